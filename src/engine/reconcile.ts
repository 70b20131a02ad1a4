import { setTimeout as sleep } from 'node:timers/promises';
import { CodemonkeysError } from '../errors.js';
import { backoffDelayMs } from './backoff.js';
import type { ExecutedAction } from './execute.js';
import { runnableIds } from './gate.js';
import { leaseOwner, renewLease, takeLease } from './lease.js';
import { newLoopState } from './loop-state.js';
import { type PassResult, reconcilePass } from './pass.js';
import type { Plan, ProductPlanStatus } from './plan-model.js';
import { openRuntime, type RuntimeOptions } from './runtime.js';

export interface ReconcileOptions extends Omit<RuntimeOptions, 'readOnly' | 'now'> {
  dryRun: boolean;
  /** One pass, then stop, whatever is left. */
  once: boolean;
  product?: string;
  /** Stop after this many passes even if not converged. */
  maxPasses: number;
  /** Called after every pass, for output. */
  onPass?: (result: PassResult, pass: number) => void;
  now?: () => Date;
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
  const now = options.now ?? (() => new Date());
  const executed: ExecutedAction[] = [];
  // The first load validates the fleet and opens the state; later passes reload the fleet only.
  const loop = newLoopState();
  const first = await openRuntime({ ...options, readOnly: options.dryRun, now: now(), loop });
  const store = first.store;
  const backoff = options.backoff ?? backoffDelayMs;
  let last: PassResult | undefined;
  let pass = 0;
  let failedObservations = 0;
  try {
    if (!options.dryRun) takeLease(first, runId, now());
    while (pass < options.maxPasses) {
      pass++;
      const runtime =
        pass === 1
          ? first
          : await openRuntime({ ...options, readOnly: options.dryRun, now: now(), store, loop });
      if (!options.dryRun && pass > 1) renewLease(runtime, runId, now());
      last = await reconcilePass({
        runtime,
        runId,
        dryRun: options.dryRun,
        product: options.product,
        now: now(),
        backoff,
        stream: true,
      });
      executed.push(...last.executed);
      options.onPass?.(last, pass);
      if (options.once || options.dryRun) break;
      if (settled(last.plan, last.executed)) {
        // Converged is said of fresh reads: a pass that used remembered heads is checked once more.
        if (!loop.heads.servedRemembered()) break;
        loop.heads.clear();
        continue;
      }
      failedObservations = retryableErrors(last.plan).length > 0 ? failedObservations + 1 : 0;
      const retryObservationMs = failedObservations > 0 ? backoff(failedObservations) : undefined;
      await sleep(requeueDelay(last.plan, last.executed, now(), retryObservationMs));
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

/**
 * Nothing runnable was left to run, nothing ran this pass (a pass after acting observes what it
 * did), nothing outside is under way, and nothing waits for a retry.
 */
function settled(plan: Plan | undefined, executed: ExecutedAction[]): boolean {
  if (!plan) return false;
  if (executed.some((action) => action.outcome !== 'skipped')) return false;
  if (runnableIds(plan.actions).size > 0) return false;
  const running = plan.products.some((product) =>
    Object.values(product.facets).some((facet) => facet.requeueAfterMs !== undefined),
  );
  return !running && retryableErrors(plan).length === 0 && backingOff(plan).length === 0;
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

/** Soon after acting; else when a build may have moved, a backoff ends, an observation is retried; at most 5 s. */
function requeueDelay(
  plan: Plan,
  executed: ExecutedAction[],
  now: Date,
  retryObservationMs: number | undefined,
): number {
  if (executed.length > 0) return 200;
  const delays = plan.products.flatMap((product) =>
    Object.values(product.facets).map((facet) => facet.requeueAfterMs ?? Number.POSITIVE_INFINITY),
  );
  if (retryObservationMs !== undefined) delays.push(retryObservationMs);
  for (const until of backingOff(plan)) delays.push(until - now.getTime());
  return Math.max(0, Math.min(5_000, ...delays));
}
