import { setTimeout as sleep } from 'node:timers/promises';
import { CodemonkeysError } from '../errors.js';
import type { ExecutedAction } from './execute.js';
import { runnableIds } from './gate.js';
import { leaseOwner, renewLease, takeLease } from './lease.js';
import { newLoopState } from './loop-state.js';
import { type PassResult, reconcilePass } from './pass.js';
import type { Plan } from './plan-model.js';
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
}

export interface ReconcileResult {
  runId: string;
  passes: number;
  /** The plan is empty, or only blocked actions remain and nothing is under way. */
  converged: boolean;
  last: PassResult;
  executed: ExecutedAction[];
}

/**
 * The loop: passes until the plan is empty or only blocked actions remain (and nothing outside
 * is still running), or `maxPasses`. The fleet is loaded anew each pass, so a new commit is picked
 * up; an invalid revision stops the loop before anything is done with it.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const runId = leaseOwner();
  const now = options.now ?? (() => new Date());
  const executed: ExecutedAction[] = [];
  // The first load validates the fleet and opens the state; later passes reload the fleet only.
  const loop = newLoopState();
  const first = await openRuntime({ ...options, readOnly: options.dryRun, now: now(), loop });
  const store = first.store;
  let last: PassResult | undefined;
  let pass = 0;
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
      });
      executed.push(...last.executed);
      options.onPass?.(last, pass);
      if (options.once || options.dryRun || settled(last.plan, last.executed)) break;
      await sleep(requeueDelay(last.plan, last.executed));
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

/** Nothing runnable was left to run, nothing ran this pass, and nothing outside is under way. */
function settled(plan: Plan | undefined, executed: ExecutedAction[]): boolean {
  if (!plan) return false;
  if (executed.some((action) => action.outcome === 'succeeded')) return false;
  if (runnableIds(plan.actions).size > 0 && executed.length === 0) return false;
  return !plan.products.some((product) =>
    Object.values(product.facets).some((facet) => facet.requeueAfterMs !== undefined),
  );
}

function requeueDelay(plan: Plan, executed: ExecutedAction[]): number {
  if (executed.length > 0) return 200;
  const delays = plan.products.flatMap((product) =>
    Object.values(product.facets).map((facet) => facet.requeueAfterMs ?? Number.POSITIVE_INFINITY),
  );
  return Math.min(5_000, ...delays);
}
