import type { Action, GatedAction } from '../actions/action.js';
import type { ActionKind } from '../actions/kinds.js';
import type { ProductObservation } from '../facets/facet.js';
import { redactor } from '../log/redact.js';
import type { Approval, Condition, JournalEntry } from '../store/store.js';
import { parseDuration } from '../util/duration.js';
import { WRITES_PRODUCT_REPO } from './actuators.js';
import type { ExecutedAction, Executor } from './execute.js';
import { constitutionRevision, gateProduct, isReady } from './gate.js';
import { observeProduct } from './observe.js';
import { planProduct, pruneAction } from './plan.js';
import type { Orphan, ProductPlanStatus } from './plan-model.js';
import { cacheObservations, recordDecisions, writeConditions } from './record.js';
import type { Runtime } from './runtime.js';

/** What one product's reconcile needs from the run it is part of. */
export interface ProductRun {
  runtime: Runtime;
  runId: string;
  /** Runs the gated actions (one for the whole run: one set of limits). */
  executor: Executor;
  /** Observe, plan and gate only: nothing is resumed or acted on (`watch --dry-run`). */
  dryRun?: boolean;
  /** The product's actions a reconciler that died left running, to resume (each handed out once). */
  takeLeftRunning(product: string): JournalEntry[];
  /** Whether a product is Ready, as this run last saw it (undefined: not known, not waited for). */
  ready(product: string): boolean | undefined;
  /** Approvals that count for these actions: of their ids, and of a plan that lists them. */
  approvals(actions: readonly Action[]): Approval[];
  /** Processes that observe on this machine (ansible, tofu), at most `reconcile.concurrency` at once. */
  withinProcessLimit<T>(run: () => Promise<T>): Promise<T>;
}

/**
 * What one reconcile of a product ended with, and when it wants to be looked at again:
 * `done` (nothing under way: look again when something changes, or after the fleet's
 * `spec.reconcile.interval` at the latest, for a reconciler that keeps running), `requeue` after a delay (a
 * build runs, an action was just carried out, a backoff ends), or `error` (an observation failed;
 * `transient` and `waiting` ones are retried after the queue's backoff, `stalled` ones wait for
 * a change).
 */
export type ProductOutcome =
  | { type: 'done'; resyncAfterMs: number }
  | { type: 'requeue'; afterMs: number; why: string }
  | { type: 'error'; reason: string; message: string; next: 'stalled' | 'waiting' | 'transient' };

export interface ProductResult {
  product: string;
  status: ProductPlanStatus;
  /** Its actions, gated. */
  actions: GatedAction[];
  observation: ProductObservation | undefined;
  executed: ExecutedAction[];
  conditions: Condition[];
  /** Ready for the products that depend on it: nothing left to do, every facet ready. */
  ready: boolean;
  outcome: ProductOutcome;
}

/** One product's reconcile as it goes through the steps. */
interface Item {
  id: string;
  now: Date;
  /** Set when the product left the fleet and asked to be pruned. */
  orphan?: Orphan;
  observation?: ProductObservation;
  status: ProductPlanStatus;
  proposed: Action[];
  actions: GatedAction[];
  executed: ExecutedAction[];
  /** What the steps asked for, combined by `outcomeOf`. */
  outcomes: ProductOutcome[];
}

type Step = (item: Item, run: ProductRun) => Promise<void> | void;

/**
 * A product's reconcile, as a Flux reconciler's: an ordered list of steps, each adding what it
 * found to the item and, if it wants one, when to look again. Status is written once, at the end,
 * also when a step throws.
 */
const STEPS: readonly Step[] = [resume, observe, plan, gate, record, act];
/** A dry run's steps: what would be done, recorded only in the run's copy of the state. */
const DRY_STEPS: readonly Step[] = [observe, plan, gate, record];

/** Observe, plan, gate, record, act, then write the status: one product, once. */
export async function reconcileProduct(id: string, run: ProductRun, orphan?: Orphan): Promise<ProductResult> {
  const { runtime } = run;
  const item: Item = {
    id,
    now: runtime.clock(),
    orphan,
    status: { product: id, suspended: false, facets: {} },
    proposed: [],
    actions: [],
    executed: [],
    outcomes: [],
  };
  let conditions: Condition[] = [];
  try {
    for (const step of run.dryRun ? DRY_STEPS : STEPS) await step(item, run);
  } catch (error) {
    const message = redactor.redactText(error instanceof Error ? error.message : String(error));
    runtime.logger.warn({ product: id, err: message }, 'reconcile failed');
    item.outcomes.push({ type: 'error', reason: 'ReconcileFailed', message, next: 'transient' });
  } finally {
    if (!orphan) conditions = status(item, run);
  }
  return {
    product: id,
    status: item.status,
    actions: item.actions,
    observation: item.observation,
    executed: item.executed,
    conditions,
    ready: isReady(item.status, item.actions.length),
    outcome: outcomeOf(item.outcomes, resyncAfterMs(runtime)),
  };
}

/**
 * Actions a reconciler that died left running for this product (a playbook, a tofu apply in a
 * detached worker): waited for and recorded as they really ended before the product is looked
 * at, so that nothing is observed half-done and nothing is started a second time.
 */
async function resume(item: Item, run: ProductRun): Promise<void> {
  const entries = run.takeLeftRunning(item.id);
  if (entries.length === 0) return;
  item.executed.push(...(await run.executor.resume(entries, contextOf(run.runtime))));
}

/** Each configured facet, read-only; a facet that fails keeps its error (retried after a backoff). */
async function observe(item: Item, run: ProductRun): Promise<void> {
  const { runtime } = run;
  const product = runtime.fleet.products.get(item.id);
  if (!product) return;
  const context = { ...runtime, now: item.now, memories: runtime.loop?.memories };
  item.observation = await observeProduct(product, context, run.withinProcessLimit);
  for (const [facet, seen] of Object.entries(item.observation.facets)) {
    if (seen?.ok !== false) continue;
    const { reason, message, next } = seen.error;
    item.outcomes.push({ type: 'error', reason, message: `${facet}: ${message}`, next });
  }
}

/** The facets' diff of desired and observed (pure); a facet with something under way says when to look again. */
function plan(item: Item, run: ProductRun): void {
  const { runtime } = run;
  if (item.orphan) {
    item.proposed = item.orphan.prune ? [pruneAction(item.orphan)] : [];
    return;
  }
  const product = runtime.fleet.products.get(item.id);
  if (!product) return;
  const observations = new Map(item.observation ? [[item.id, item.observation]] : []);
  const journal = (key: string) => runtime.store.journalEntry(key);
  const planned = planProduct(product, {
    fleet: runtime.fleet,
    observations,
    orphans: [],
    now: item.now,
    journal,
  });
  item.proposed = planned.actions;
  item.status = planned.status;
  for (const [facet, each] of Object.entries(planned.status.facets)) {
    if (each.requeueAfterMs !== undefined)
      item.outcomes.push({ type: 'requeue', afterMs: each.requeueAfterMs, why: `${facet}: ${each.reason}` });
  }
}

/** The one gate (gateProduct), with the products this one depends on as this run sees them. */
function gate(item: Item, run: ProductRun): void {
  const { runtime } = run;
  const journal = (key: string) => runtime.store.journalEntry(key);
  item.actions = gateProduct(
    {
      fleet: runtime.fleet,
      now: item.now,
      journal,
      approvals: run.approvals(item.proposed),
      planId: null,
      ready: run.ready,
    },
    item.proposed,
    item.observation,
  );
  for (const action of item.actions) {
    const own = action.blockedBy.filter((blocker) => blocker.type !== 'waiting-on');
    const until = own.flatMap((blocker) => (blocker.type === 'backoff' ? [Date.parse(blocker.until)] : []));
    if (until.length > 0 && until.length === own.length)
      item.outcomes.push({
        type: 'requeue',
        afterMs: Math.max(0, Math.min(...until) - item.now.getTime()),
        why: `${action.kind} backs off`,
      });
  }
}

/** What was seen and decided, before anything is acted on. */
function record(item: Item, run: ProductRun): void {
  const { runtime } = run;
  if (item.observation) cacheObservations(runtime.store, [item.observation], item.now);
  const observations = new Map(item.observation ? [[item.id, item.observation]] : []);
  recordDecisions(runtime, item.actions, constitutionRevision(runtime.fleet), observations, item.now);
}

/** The runnable actions, each after those it waits on; what ran is looked at again soon after. */
async function act(item: Item, run: ProductRun): Promise<void> {
  item.executed.push(...(await run.executor.submit(item.actions, null, contextOf(run.runtime))));
  if (item.executed.some((action) => action.outcome !== 'skipped'))
    item.outcomes.push({ type: 'requeue', afterMs: AFTER_ACTING_MS, why: 'look at what was done' });
  forgetPushedHeads(run.runtime, item.executed);
}

/** How soon a product is looked at after the reconciler acted on it: its result is seen at once. */
export const AFTER_ACTING_MS = 200;

/** Status: the product's conditions, written once, whatever happened before. */
function status(item: Item, run: ProductRun): Condition[] {
  const { runtime } = run;
  const written = writeConditions(
    runtime,
    [{ status: item.status, actions: item.actions }],
    runtime.fleet.revision,
    item.now,
  );
  return written.get(item.id) ?? [];
}

/** The steps' wishes combined: an error first, else the soonest requeue, else done. */
function outcomeOf(outcomes: readonly ProductOutcome[], resyncAfterMs: number): ProductOutcome {
  const error = outcomes.find((outcome) => outcome.type === 'error' && outcome.next !== 'stalled');
  if (error) return error;
  let soonest: ProductOutcome | undefined;
  for (const outcome of outcomes) {
    if (outcome.type !== 'requeue') continue;
    if (!soonest || (soonest.type === 'requeue' && outcome.afterMs < soonest.afterMs)) soonest = outcome;
  }
  return soonest ?? outcomes.find((outcome) => outcome.type === 'error') ?? { type: 'done', resyncAfterMs };
}

/** `spec.reconcile.interval`: every product is looked at again at least this often (default 5 minutes). */
export function resyncAfterMs(runtime: Runtime): number {
  return parseDuration(runtime.fleet.fleet.manifest.spec.reconcile?.interval ?? '5m');
}

export function contextOf(runtime: Runtime) {
  return { ...runtime, now: runtime.clock };
}

/** After the reconciler pushed to a product repo, the next look reads it afresh. */
function forgetPushedHeads(runtime: Runtime, executed: readonly ExecutedAction[]): void {
  for (const action of executed) {
    if (action.outcome === 'skipped' || !WRITES_PRODUCT_REPO.has(action.kind as ActionKind)) continue;
    const product = runtime.fleet.products.get(action.product);
    if (!product) continue;
    for (const memory of runtime.loop?.memories.values() ?? [])
      memory.forgetProduct(product, runtime.fleetDir);
  }
}
