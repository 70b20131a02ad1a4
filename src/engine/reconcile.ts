import { setTimeout as sleep } from 'node:timers/promises';
import { CodemonkeysError } from '../errors.js';
import type { ProductObservation } from '../facets/facet.js';
import type { Fleet } from '../fleet/model.js';
import { backoffDelayMs } from './backoff.js';
import type { ExecutedAction } from './execute.js';
import { runnableIds } from './gate.js';
import { leaseOwner, renewLease, takeLease } from './lease.js';
import { forgetMemories, newLoopState, servedRemembered, trustMs } from './loop-state.js';
import { lookAgainMs, RunningPace, runningProducts } from './pace.js';
import { type PassResult, reconcilePass } from './pass.js';
import type { Plan, ProductPlanStatus } from './plan-model.js';
import { openRuntime, type RuntimeOptions } from './runtime.js';

export interface ReconcileOptions extends Omit<RuntimeOptions, 'readOnly'> {
  dryRun: boolean;
  /** One pass, then stop, whatever is left. */
  once: boolean;
  product?: string;
  /** Stop after this many passes even if not converged. */
  maxPasses: number;
  /** Called after every pass, for output. */
  onPass?: (result: PassResult, pass: number) => void;
  /**
   * Delay before the n-th retry of what failed for a reason that passes: an action's transient
   * error (a `waiting` one names its own delay), an observation that failed so n passes in a row.
   * Default `backoffDelayMs` (10 s doubling to 10 min, with jitter); tests shorten it.
   */
  backoff?: (attempts: number) => number;
}

export interface ReconcileResult {
  runId: string;
  passes: number;
  /** The plan is empty, or only blocked actions remain and nothing is under way or due for a retry. */
  converged: boolean;
  last: PassResult;
  executed: ExecutedAction[];
}

/**
 * The loop: passes until the plan is empty or only blocked actions remain (and nothing outside
 * is still running, nothing waits for a retry), or `maxPasses`. The fleet is loaded anew each
 * pass, so a new commit is picked up; an invalid revision stops the loop before anything is done
 * with it. A server that is down or rate-limiting holds the loop in backoff, never ends it.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const runId = leaseOwner();
  const now = options.clock;
  const executed: ExecutedAction[] = [];
  // The first load validates the fleet and opens the state; later passes reload the fleet only.
  const loop = newLoopState(options.clock);
  const first = await openRuntime({ ...options, readOnly: options.dryRun, loop });
  const store = first.store;
  const backoff = options.backoff ?? backoffDelayMs;
  let last: PassResult | undefined;
  let pass = 0;
  let failedObservations = 0;
  const quiet = new QuietProducts(trustMs(loop));
  const pace = new RunningPace();
  // The next pass reads everything afresh: what runs is expected to be done by then.
  let fresh = false;
  try {
    if (!options.dryRun) takeLease(first, runId, now());
    while (pass < options.maxPasses) {
      pass++;
      const runtime =
        pass === 1 ? first : await openRuntime({ ...options, readOnly: options.dryRun, store, loop });
      if (!options.dryRun && pass > 1) renewLease(runtime, runId, now());
      const started = now();
      if (fresh) {
        forgetMemories(loop);
        quiet.clear();
      }
      const reused = quiet.reusable(runtime.fleet, started.getTime());
      last = await reconcilePass({
        runtime,
        runId,
        dryRun: options.dryRun,
        product: options.product,
        now: started,
        backoff,
        stream: true,
        observations: reused.size > 0 ? reused : undefined,
      });
      quiet.remember(runtime.fleet, last, reused, started.getTime());
      executed.push(...last.executed);
      options.onPass?.(last, pass);
      if (options.once || options.dryRun) break;
      pace.update(last.plan, started.getTime());
      if (settled(last.plan, last.executed)) {
        // Converged is said of fresh reads: a pass that used remembered heads or observations is checked once more.
        if (!servedRemembered(loop) && reused.size === 0) break;
        forgetMemories(loop);
        quiet.clear();
        continue;
      }
      failedObservations = retryableErrors(last.plan).length > 0 ? failedObservations + 1 : 0;
      const retryObservationMs = failedObservations > 0 ? backoff(failedObservations) : undefined;
      const drainMs = pace.drainMs(now().getTime());
      const delay = requeueDelay(last.plan, last.executed, now(), retryObservationMs, drainMs);
      // A look that should find everything done reads everything afresh: if it does, the fleet is
      // converged there and then, without a pass to confirm it.
      fresh = drainMs !== undefined && drainMs <= delay;
      await sleep(delay);
    }
  } finally {
    if (!options.dryRun) store.releaseLease(runId);
    store.close();
  }
  if (!last)
    throw new CodemonkeysError('no reconcile pass ran (--max-passes 0)', {
      reason: 'NoPass',
      next: 'stalled',
    });
  return { runId, passes: pass, converged: settled(last.plan, last.executed), last, executed };
}

/** Blockers that time alone never lifts. */
const STILL: ReadonlySet<string> = new Set(['denied', 'awaiting-approval', 'failed', 'suspended']);

/**
 * Products that need no look until something changes: in the last pass nothing was planned for
 * them that could run (only what waits on a person), no facet waited on anything (a build running) or failed to be observed. While builds of
 * other products run, a loop's passes come every second or so; re-observing hundreds of settled
 * products each time is work for the servers and no news. Such a product's observation is reused
 * for as long as the loop trusts what it read (`trustMs`: the freshness the build facet grants branch heads), while its manifest
 * and the fleet's settings are the same objects the loader gave before (unchanged). The loop
 * never calls a fleet converged on reused observations: it looks at everything once more first.
 */
class QuietProducts {
  readonly #trustMs: number;
  #fleet: Fleet | undefined;
  readonly #quiet = new Map<string, { observation: ProductObservation; at: number }>();

  constructor(trustMs: number) {
    this.#trustMs = trustMs;
  }

  reusable(fleet: Fleet, now: number): Map<string, ProductObservation> {
    const reused = new Map<string, ProductObservation>();
    if (!this.#fleet || this.#fleet.fleet !== fleet.fleet) return reused;
    for (const [id, { observation, at }] of this.#quiet) {
      if (now - at < this.#trustMs && fleet.products.get(id) === this.#fleet.products.get(id))
        reused.set(id, observation);
    }
    return reused;
  }

  remember(
    fleet: Fleet,
    result: PassResult,
    reused: ReadonlyMap<string, ProductObservation>,
    at: number,
  ): void {
    // A product whose actions all wait on a person (approval, a rule's denial, a stalled failure) is quiet too.
    const acting = new Set(
      result.plan.actions
        .filter(
          (action) => action.blockedBy.length === 0 || !action.blockedBy.every((b) => STILL.has(b.type)),
        )
        .map((action) => action.product),
    );
    const kept = new Map(this.#quiet);
    this.#quiet.clear();
    this.#fleet = fleet;
    for (const status of result.plan.products) {
      const observation = result.observations.get(status.product);
      if (!observation || acting.has(status.product)) continue;
      const waiting = Object.values(status.facets).some(
        (facet) => facet.state === 'error' || facet.requeueAfterMs !== undefined,
      );
      if (waiting) continue;
      const since = reused.has(status.product) ? (kept.get(status.product)?.at ?? at) : at;
      this.#quiet.set(status.product, { observation, at: since });
    }
  }

  clear(): void {
    this.#quiet.clear();
    this.#fleet = undefined;
  }
}

/**
 * Nothing runnable was left to run, nothing ran this pass (a pass after acting observes what it
 * did), nothing outside is under way, and nothing waits for a retry.
 */
function settled(plan: Plan | undefined, executed: ExecutedAction[]): boolean {
  if (!plan) return false;
  if (executed.some((action) => action.outcome !== 'skipped')) return false;
  if (runnableIds(plan.actions).size > 0) return false;
  return (
    runningProducts(plan).size === 0 && retryableErrors(plan).length === 0 && backingOff(plan).length === 0
  );
}

/** Facets whose observation failed for a reason that passes (a server down, rate-limiting). */
function retryableErrors(plan: Plan): ProductPlanStatus['facets'][string][] {
  return plan.products.flatMap((product) =>
    Object.values(product.facets).filter(
      (facet) => facet.state === 'error' && (facet.next === 'transient' || facet.next === 'waiting'),
    ),
  );
}

/** When each action that only waits out its backoff may run again. */
function backingOff(plan: Plan): number[] {
  const until: number[] = [];
  for (const action of plan.actions) {
    const own = action.blockedBy.filter((blocker) => blocker.type !== 'waiting-on');
    if (own.length === 0 || !own.every((blocker) => blocker.type === 'backoff')) continue;
    for (const blocker of own) if (blocker.type === 'backoff') until.push(Date.parse(blocker.until));
  }
  return until;
}

/**
 * Soon after acting; else when a build may have moved (lookAgainMs: paced by how fast what runs
 * gets done), a backoff ends, an observation is retried; at most 5 s. The next pass looks only at
 * what runs (QuietProducts).
 */
function requeueDelay(
  plan: Plan,
  executed: ExecutedAction[],
  now: Date,
  retryObservationMs: number | undefined,
  drainMs: number | undefined,
): number {
  if (executed.length > 0) return 200;
  const delays: number[] = [];
  const running = plan.products.flatMap((product) => {
    const waits = Object.values(product.facets).flatMap((facet) =>
      facet.requeueAfterMs === undefined ? [] : [facet.requeueAfterMs],
    );
    return waits.length > 0 ? [Math.min(...waits)] : [];
  });
  if (running.length > 0) delays.push(lookAgainMs(running.length, Math.min(...running), drainMs));
  if (retryObservationMs !== undefined) delays.push(retryObservationMs);
  for (const until of backingOff(plan)) delays.push(until - now.getTime());
  return Math.max(0, Math.min(5_000, ...delays));
}
