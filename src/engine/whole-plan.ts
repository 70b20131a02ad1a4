import type { GatedAction } from '../actions/action.js';
import { canonicalJson } from '../actions/canonical.js';
import type { ActionKind } from '../actions/kinds.js';
import { gateInputsHash } from '../constitution/inputs.js';
import { CodemonkeysError } from '../errors.js';
import type { ProductObservation } from '../facets/facet.js';
import { FACETS } from '../facets/index.js';
import type { Product } from '../fleet/model.js';
import { redactor } from '../log/redact.js';
import type { Condition, Decision, JournalEntry, StateStore } from '../store/store.js';
import { perObject } from '../util/per-object.js';
import { ACTUATORS, WRITES_PRODUCT_REPO } from './actuators.js';
import { productConditions } from './conditions.js';
import { gateProductEarly } from './early.js';
import { type ExecutedAction, Executor } from './execute.js';
import { constitutionRevision, type GatingInput, gatePlan, gateSubject, runnableIds } from './gate.js';
import { actionLease } from './lease.js';
import type { LoopState } from './loop-state.js';
import { observeProducts } from './observe.js';
import { proposeActions } from './plan.js';
import type { Orphan, Plan } from './plan-model.js';
import type { Runtime } from './runtime.js';

export interface PassOptions {
  runtime: Runtime;
  runId: string;
  /** Observe, plan and gate; write nothing, execute nothing. */
  dryRun: boolean;
  /** Only this product (org/name). */
  product?: string;
  /** Plan from the observations cached by the last pass instead of observing again. */
  cachedObservations?: boolean;
  /** Refuse to execute unless the fresh plan has this id (apply of a saved plan). */
  expectPlanId?: string;
  /** Plan from these observations (products missing from it are observed). */
  observations?: ReadonlyMap<string, ProductObservation>;
  now: Date;
  /** Delay before retrying an action after its n-th transient failure; default `backoffDelayMs`. */
  backoff?: (attempts: number) => number;
  /**
   * Act on each product as soon as it is observed (gateProductEarly), while the rest of the fleet
   * is observed; the whole plan then runs what was held back. A loop's passes do; a dry run and
   * the apply of a saved plan never do.
   */
  stream?: boolean;
}

/** A saved plan no longer matches what re-observation plans: it is not applied. */
export class StalePlanError extends CodemonkeysError {
  override name = 'StalePlanError';
  constructor(saved: string, fresh: string) {
    super(
      `the saved plan ${saved.slice(0, 16)} is stale: planning again now gives ${fresh.slice(0, 16)} (the fleet, the constitution or what was observed changed); run plan again`,
      { reason: 'StalePlan', next: 'stalled' },
    );
  }
}

export interface PassResult {
  plan: Plan;
  observations: Map<string, ProductObservation>;
  executed: ExecutedAction[];
  conditions: Map<string, Condition[]>;
}

/**
 * One reconcile pass, as a Flux controller's: observe → plan (diff) → gate → record → act →
 * status. Level-triggered: it starts from what it observes, never from what it remembers doing.
 */
export async function reconcilePass(options: PassOptions): Promise<PassResult> {
  const { runtime, dryRun } = options;
  const streaming = options.stream === true && !dryRun && options.expectPlanId === undefined;
  const executor = streaming ? newExecutor(runtime, options) : undefined;
  // The journal as it was before the actions started early: the plan is made of the same
  // observations, and must see the journal those observations go with (else a build triggered
  // early, with no build observed, would look like a build that vanished and be triggered again).
  const before = new Map<string, JournalEntry | undefined>();
  // Products whose manifests changed since the loop's last load (undefined: not known).
  const respecified = runtime.changedProducts ? new Set(runtime.changedProducts) : undefined;
  const onObserved = executor
    ? (product: Product, observation: ProductObservation) => {
        // Specified and seen as the loop's last plan had them: that plan decided about it, and
        // this pass's plan starts whatever of it is runnable now (a backoff over, an approval given).
        const known =
          respecified !== undefined &&
          !respecified.has(product.id) &&
          runtime.loop?.observed.get(product.id) === observationPrint(observation);
        if (!known) actEarly(runtime, executor, before, product, observation, options.now);
      }
    : undefined;
  const journal = (key: string) => (before.has(key) ? before.get(key) : runtime.store.journalEntry(key));
  const plan = await computePlan({ ...options, onObserved, journal });
  if (options.expectPlanId !== undefined && plan.plan.id !== options.expectPlanId) {
    throw new StalePlanError(options.expectPlanId, plan.plan.id);
  }
  if (dryRun)
    return { plan: plan.plan, observations: plan.observations, executed: [], conditions: new Map() };
  const store = runtime.store;
  let executed: ExecutedAction[] = [];
  let conditions = new Map<string, Condition[]>();
  try {
    recordPlan(runtime, plan.plan, plan.observations, options);
    const run = executor ?? newExecutor(runtime, options);
    // What already runs (acted on early) is handed in as runnable, so that what waits on it runs after it.
    run.submit(
      plan.plan.actions.map((action) => (run.has(action.id) ? { ...action, blockedBy: [] } : action)),
      plan.plan.id,
    );
    executed = await run.finish();
    forgetPushedHeads(runtime, executed);
  } finally {
    // Status is written once, at the end, also when recording or acting threw.
    conditions = writeConditions(store, plan.plan, options.now, runtime.loop);
  }
  return { plan: plan.plan, observations: plan.observations, executed, conditions };
}

/**
 * Record: what the pass saw and decided, before anything is acted on: the products it knows (and
 * those removed from the fleet), their observations, the plan and a decision per gated action.
 */
function recordPlan(
  runtime: Runtime,
  plan: Plan,
  observations: Map<string, ProductObservation>,
  options: Pick<PassOptions, 'now' | 'product'>,
): void {
  const { now } = options;
  if (options.product === undefined) syncProducts(runtime, now);
  cacheObservations(runtime.store, observations, now);
  runtime.store.savePlan(plan.id, plan, now);
  recordDecisions(runtime, plan.actions, plan.constitutionRevision, observations, now);
}

function newExecutor(runtime: Runtime, options: PassOptions): Executor {
  return new Executor({
    store: runtime.store,
    context: { ...runtime, now: runtime.clock },
    actuators: ACTUATORS,
    runId: options.runId,
    concurrency: runtime.fleet.fleet.manifest.spec.reconcile?.concurrency ?? 4,
    perBackend: runtime.perBackend,
    backoff: options.backoff,
    lease: actionLease(runtime.store, options.runId),
  });
}

/**
 * Starts a just-observed product's actions that its own observation already lets through,
 * their decisions recorded first. Whatever goes wrong here is left to the whole plan.
 */
function actEarly(
  runtime: Runtime,
  executor: Executor,
  before: Map<string, JournalEntry | undefined>,
  product: Product,
  observation: ProductObservation,
  now: Date,
): void {
  try {
    const gated = gateProductEarly(runtime, product, observation, now);
    const runnable = runnableIds(gated);
    if (runnable.size === 0) return;
    const revision = constitutionRevision(runtime.fleet);
    const observations = new Map([[product.id, observation]]);
    const starting = gated.filter((action) => runnable.has(action.id));
    recordDecisions(runtime, starting, revision, observations, now);
    for (const action of starting)
      before.set(action.idempotencyKey, runtime.store.journalEntry(action.idempotencyKey));
    executor.submit(gated, null);
  } catch (error) {
    runtime.logger.warn(
      { product: product.id, err: redactor.redactText(String(error)) },
      'could not act before the whole plan; the plan will',
    );
  }
}

/** After the reconciler pushed to a product repo, the next pass reads it afresh. */
function forgetPushedHeads(runtime: Runtime, executed: ExecutedAction[]): void {
  for (const action of executed) {
    if (action.outcome === 'skipped' || !WRITES_PRODUCT_REPO.has(action.kind as ActionKind)) continue;
    const product = runtime.fleet.products.get(action.product);
    if (!product) continue;
    for (const memory of runtime.loop?.memories.values() ?? [])
      memory.forgetProduct(product, runtime.fleetDir);
  }
}

/** Observe (or read the cached observations), propose and gate: the plan, with nothing executed and nothing written. */
export async function computePlan(
  options: PassOptions & {
    onObserved?: (product: Product, observation: ProductObservation) => void;
    /** How planning reads the journal; the store's journal by default. */
    journal?: (idempotencyKey: string) => JournalEntry | undefined;
  },
): Promise<{ plan: Plan; observations: Map<string, ProductObservation> }> {
  const { runtime, now } = options;
  const products = selectProducts(runtime, options.product);
  const orphans = options.product ? [] : findOrphans(runtime);
  const given = options.observations;
  const toObserve = given ? products.filter((product) => !given.has(product.id)) : products;
  const observations = options.cachedObservations
    ? cachedObservations(runtime.store, products)
    : await observeProducts(
        toObserve,
        { ...runtime, now, memories: runtime.loop?.memories },
        runtime.fleet.fleet.manifest.spec.reconcile?.concurrency ?? 4,
        options.onObserved,
      );
  for (const product of products) {
    const known = given?.get(product.id);
    if (known && !observations.has(product.id)) observations.set(product.id, known);
  }
  const scoped = options.product
    ? { ...runtime.fleet, products: new Map(products.map((p) => [p.id, p])), shapeToken: undefined }
    : runtime.fleet;
  const journal = options.journal ?? ((key: string) => runtime.store.journalEntry(key));
  const approvals = (targets: string[]) => runtime.store.approvals(targets);
  const common = { fleet: scoped, observations, orphans, now, dryRun: options.dryRun, journal, approvals };
  const loop = runtime.loop;
  if (loop && !options.product) {
    const plan = loop.planner.plan({ ...common, changed: changedSince(loop, runtime, observations) });
    if (runtime.env.CODEMONKEYS_VERIFY_INCREMENTAL === '1') verifyIncremental(plan, common);
    return { plan, observations };
  }
  const cache = loop?.plan;
  const proposed = proposeActions({ ...common, cache });
  return { plan: gatePlan({ ...common, proposed, cache }), observations };
}

/**
 * The products whose inputs changed since the loop's last plan: manifests (from the cached
 * load), observations (what they say, not when), and journal entries or approvals (the audit
 * log since the last entry seen). Undefined when any of it cannot be told.
 */
function changedSince(
  loop: LoopState,
  runtime: Runtime,
  observations: Map<string, ProductObservation>,
): Set<string> | undefined {
  let changed: Set<string> | undefined = runtime.changedProducts
    ? new Set(runtime.changedProducts)
    : undefined;
  for (const [id, observation] of observations) {
    const print = observationPrint(observation);
    if (loop.observed.get(id) === print) continue;
    loop.observed.set(id, print);
    changed?.add(id);
  }
  for (;;) {
    const entries = runtime.store.audit({ afterSeq: loop.auditSeq, limit: 1000 });
    for (const entry of entries) {
      loop.auditSeq = Math.max(loop.auditSeq, entry.seq);
      if (entry.product) changed?.add(entry.product);
      else changed = undefined;
    }
    if (entries.length < 1000) break;
  }
  return changed;
}

/** What an observation says (timestamps aside), once per observation object: a pass asks twice. */
const observationPrint = perObject(printOf);

function printOf(observation: ProductObservation): string {
  const facets = Object.entries(observation.facets).map(([facet, seen]) => [
    facet,
    seen?.ok ? seen.value : seen?.error,
  ]);
  return canonicalJson(facets);
}

/** A check for tests and debugging: the incremental plan must be the plan a full computation gives. */
function verifyIncremental(plan: Plan, common: Omit<GatingInput, 'proposed' | 'cache'>): void {
  const full = gatePlan({ ...common, proposed: proposeActions(common) });
  if (canonicalJson(full) !== canonicalJson(plan)) {
    throw new CodemonkeysError(
      `incremental plan ${plan.id.slice(0, 16)} differs from the full plan ${full.id.slice(0, 16)}`,
      {
        reason: 'IncrementalMismatch',
        next: 'stalled',
      },
    );
  }
}

function selectProducts(runtime: Runtime, only: string | undefined): Product[] {
  const all = [...runtime.fleet.products.values()];
  if (!only) return all;
  const product = runtime.fleet.products.get(only);
  if (!product) throw new Error(`no product ${only} in the fleet`);
  return [product];
}

/** Products the state knows that the fleet no longer has (read only: recordPlan writes). */
function findOrphans(runtime: Runtime): Orphan[] {
  const records = runtime.store.products().filter((record) => !runtime.fleet.products.has(record.id));
  return records.map((record) => ({
    product: record.id,
    orphanedAt: record.orphanedAt,
    lastSeenRevision: record.lastSeenRevision,
    prune: record.prune,
  }));
}

/** The state learns which products the fleet has now, and when the others were removed from it. */
function syncProducts(runtime: Runtime, now: Date): void {
  const seen = [...runtime.fleet.products.values()].map((product) => ({
    id: product.id,
    prune: product.manifest.spec.prune === true,
  }));
  runtime.store.syncProducts(seen, runtime.fleet.revision, now);
}

function cacheObservations(
  store: StateStore,
  observations: Map<string, ProductObservation>,
  now: Date,
): void {
  const entries: { product: string; facet: string; value: unknown }[] = [];
  for (const [product, observation] of observations) {
    for (const [facet, value] of Object.entries(observation.facets)) entries.push({ product, facet, value });
  }
  store.saveObservations(entries, now);
}

function cachedObservations(store: StateStore, products: Product[]): Map<string, ProductObservation> {
  const observations = new Map<string, ProductObservation>();
  for (const product of products) {
    const observation: ProductObservation = { product: product.id, facets: {} };
    for (const facet of FACETS.keys()) {
      const cached = store.observation(product.id, facet);
      if (cached) observation.facets[facet] = cached.value as ProductObservation['facets'][typeof facet];
    }
    observations.set(product.id, observation);
  }
  return observations;
}

/** A decision log entry per gated action: action, inputs hash, constitution revision, verdict; one commit. */
function recordDecisions(
  runtime: Runtime,
  actions: readonly GatedAction[],
  constitutionRevision: string,
  observations: ReadonlyMap<string, ProductObservation>,
  now: Date,
): void {
  const decisions: Decision[] = [];
  const fingerprints = new Map<string, string>();
  for (const action of actions) {
    // One entry per action and distinct verdict: a loop re-planning every few minutes does not repeat itself.
    const fingerprint = `${constitutionRevision}\u0000${canonicalJson(action.verdict)}`;
    const known = runtime.loop?.decisions.get(action.id) ?? lastDecision(runtime, action.id);
    if (known === fingerprint) continue;
    const subject = gateSubject(runtime.fleet, action, observations.get(action.product));
    decisions.push({
      actionId: action.id,
      product: action.product,
      kind: action.kind,
      inputsHash: gateInputsHash(subject, constitutionRevision, now),
      constitutionRevision,
      verdict: action.verdict,
      at: now.toISOString(),
    });
    fingerprints.set(action.id, fingerprint);
  }
  runtime.store.recordDecisions(decisions);
  for (const [id, fingerprint] of fingerprints) runtime.loop?.decisions.set(id, fingerprint);
}

function lastDecision(runtime: Runtime, actionId: string): string | undefined {
  const [last] = runtime.store.decisions({ actionId, limit: 1 });
  const fingerprint = last ? `${last.constitutionRevision}\u0000${canonicalJson(last.verdict)}` : undefined;
  if (fingerprint) runtime.loop?.decisions.set(actionId, fingerprint);
  return fingerprint;
}

function writeConditions(
  store: StateStore,
  plan: Plan,
  now: Date,
  loop: LoopState | undefined,
): Map<string, Condition[]> {
  const runnable = runnableIds(plan.actions);
  const byProduct = new Map<string, GatedAction[]>();
  for (const action of plan.actions) {
    const actions = byProduct.get(action.product) ?? [];
    actions.push(action);
    byProduct.set(action.product, actions);
  }
  // A loop holds the lease, so what it wrote last is what the store has: no need to read it back.
  const previous = loop?.conditions ?? store.conditions();
  const written = new Map<string, Condition[]>();
  const changed = new Map<string, Condition[]>();
  for (const status of plan.products) {
    const before = previous.get(status.product);
    const conditions = productConditions(
      status,
      byProduct.get(status.product) ?? [],
      runnable,
      plan.fleet.revision,
      before,
      now,
    );
    // Only what changed is written, all in one commit: an idle pass of a big fleet writes nothing.
    if (!before || !sameConditions(conditions, before)) changed.set(status.product, conditions);
    written.set(status.product, conditions);
  }
  store.setConditionsOf(changed);
  if (loop) loop.conditions = new Map([...previous, ...written]);
  return written;
}

function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return (
    a.length === b.length &&
    a.every((condition, index) => {
      const other = b[index] as Condition;
      return (
        condition.type === other.type &&
        condition.status === other.status &&
        condition.reason === other.reason &&
        condition.message === other.message &&
        condition.lastTransitionTime === other.lastTransitionTime &&
        condition.observedRevision === other.observedRevision
      );
    })
  );
}
