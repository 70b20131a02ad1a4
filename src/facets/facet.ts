import type { Action } from '../actions/action.js';
import type { ActionKind } from '../actions/kinds.js';
import type { FacetName, Fleet, Product } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import type { JournalEntry, StateStore } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Actuator } from './actuator.js';
import type { Service, Services } from './services.js';

/** What a facet may use while observing: read-only calls only. */
export interface ObserveContext {
  fleet: Fleet;
  /** Absolute directory the fleet's relative paths (repo URLs, state) are resolved against. */
  fleetDir: string;
  now: Date;
  /** The runners and clients the facets declared (see Service): CI backends, ansible, tofu. */
  services: Services;
  store: StateStore;
  logger: Logger;
  /** What each facet remembers across the looks of one reconcile loop (see LoopMemory); absent outside a loop. */
  memories?: ReadonlyMap<FacetName, LoopMemory>;
  /** The reconciler's environment (where caches live); process.env when absent. */
  env?: NodeJS.ProcessEnv;
}

/** What a facet may use while planning: data only, no I/O. */
export interface PlanContext {
  fleet: Fleet;
  now: Date;
  /** The journal entry of an idempotency key, if any. */
  journal(idempotencyKey: string): JournalEntry | undefined;
}

/** An action as a facet proposes it; the engine adds the id and cross-product dependencies. */
export type ProposedAction = Omit<Action, 'id' | 'dependsOn' | 'product' | 'facet'> & {
  kind: ActionKind;
  /** Idempotency keys of actions of the same product that must come first. */
  after?: string[];
};

/** Where a facet stands for one product, for its status conditions. */
export interface FacetStatus {
  /** `ready`: desired = observed; `progressing`: something runs or is planned; `stalled`: a human must act. */
  state: 'ready' | 'progressing' | 'stalled';
  reason: string;
  message: string;
  /** Something outside is under way (a build runs): look again after this long, as controller-runtime's RequeueAfter. */
  requeueAfterMs?: number;
}

export interface FacetPlan {
  actions: ProposedAction[];
  status: FacetStatus;
}

/**
 * What a facet keeps across the looks of one reconcile loop to spare the servers it reads (the
 * build facet: branch heads for a few seconds). The loop makes one per facet that has `remember`
 * and says when to forget.
 */
export interface LoopMemory {
  /** How long a remembered read stays good. */
  readonly ttlMs: number;
  /** Whether a read since the last clear came from memory: a loop says "converged" only of fresh reads. */
  servedRemembered(): boolean;
  /** Forgets everything: the next look reads afresh. */
  clear(): void;
  /** The reconciler wrote to this product's repository: forgets what was read of it. */
  forgetProduct(product: Product, fleetDir: string): void;
}

/** One kind of action a facet plans: how it is carried out and what it touches. */
export interface ActionKindSpec {
  /** Carries the action out (see Actuator). */
  readonly actuate: Actuator;
  /** It pushes to the product's repository: branch heads read before it are stale after it. */
  readonly writesProductRepo?: boolean;
}

/**
 * One facet of a product that the reconciler keeps true: `observe` is read-only and may be slow,
 * `plan` is pure and fast. A facet is a plug-in: this object says everything the engine needs to
 * know about it, and it is registered with one line in src/facets/index.ts.
 */
export interface Facet<O = unknown> {
  readonly name: FacetName;
  /**
   * The facets whose actions this facet's actions wait for, within one product: a deploy needs
   * its build and its infrastructure, a release its build. A denied or waiting action blocks only
   * the actions of the facets that need it. Only facets registered before this one.
   */
  readonly needs: readonly FacetName[];
  /**
   * The action kinds this facet owns, each with its actuator. A facet may also propose a kind
   * another facet owns (the release facet asks for a `build.trigger` of its release commit),
   * which that facet's actuator carries out.
   */
  readonly actions: ReadonlyMap<ActionKind, ActionKindSpec>;
  /** The runners and clients its observe and actuators use; the engine opens each once per runtime. */
  readonly services: readonly Service<unknown>[];
  /** Whether the product's spec asks for this facet at all. */
  configured(product: Product): boolean;
  /**
   * Its observation runs programs on this machine (ansible-playbook, tofu): at most
   * `reconcile.concurrency` of those at once, not the larger limit of observations (observe.ts).
   */
  readonly runsLocalProcesses?: boolean;
  /**
   * Told once per pass, before any observe, which products (those configured for the facet) the
   * pass observes: a facet may start reads that serve many of them at once. Nothing is awaited.
   */
  prepare?(products: readonly Product[], context: ObserveContext): void;
  /** A new memory for one reconcile loop (see LoopMemory); a facet without one reads afresh every look. */
  remember?(clock: Clock): LoopMemory;
  /** Reads the facet's current state from the world. */
  observe(product: Product, context: ObserveContext): Promise<O>;
  /** One word for constitution `when.observed` conditions (build: green, red, running, none). */
  state(observed: O): string;
  /** What to do about the difference between the spec and what was observed. */
  plan(product: Product, observed: O, context: PlanContext): FacetPlan;
}

/** An observation of one facet: its value, or the error that kept it from being observed. */
export type FacetObservation =
  | { ok: true; value: unknown; observedAt: string }
  | {
      ok: false;
      error: { message: string; reason: string; next: 'stalled' | 'waiting' | 'transient' };
      observedAt: string;
    };

/** Everything observed of one product in one pass. */
export interface ProductObservation {
  product: string;
  facets: Partial<Record<FacetName, FacetObservation>>;
}
