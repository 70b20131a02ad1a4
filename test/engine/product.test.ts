import PQueue from 'p-queue';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/engine/execute.js';
import { type ProductRun, reconcileProduct } from '../../src/engine/product.js';
import type { Runtime } from '../../src/engine/runtime.js';
import { ensureBuilt } from '../helpers/build.js';
import { TEST_NOW } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { reconcileRepo, repoRuntime } from '../helpers/reconcile-repo.js';

const repos: FleetRepo[] = [];
const runtimes: Runtime[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.store.close();
  for (const repo of repos.splice(0)) repo.cleanup();
});
beforeAll(() => ensureBuilt(), 120_000);

async function runtimeOf(products: Parameters<typeof createFleetRepo>[0]): Promise<Runtime> {
  const repo = await createFleetRepo(products);
  repos.push(repo);
  const runtime = await repoRuntime(repo, false);
  runtimes.push(runtime);
  return runtime;
}

function productRun(
  runtime: Runtime,
  executor: Pick<Executor, 'submit'>,
  ready: (product: string) => boolean | undefined = () => undefined,
): ProductRun {
  const processes = new PQueue({ concurrency: 1 });
  return {
    runtime,
    runId: 'test',
    executor: executor as Executor,
    takeLeftRunning: () => [],
    ready,
    approvals: (actions) => runtime.store.approvals(actions.map((action) => action.id)),
    withinProcessLimit: (run) => processes.add(run, { throwOnTimeout: true }),
  };
}

describe("one product's reconcile", () => {
  it('writes its status once at the end, also when a step throws, and asks to be retried', async () => {
    const runtime = await runtimeOf([{ org: 'acme', name: 'lib' }]);
    const broken = {
      submit: async () => {
        throw new Error('the executor broke');
      },
    };
    const result = await reconcileProduct('acme/lib', productRun(runtime, broken));
    expect(result.outcome).toEqual({
      type: 'error',
      reason: 'ReconcileFailed',
      message: 'the executor broke',
      next: 'transient',
    });
    // Observed, planned, gated and recorded before the act step threw; the status says what is left.
    expect(result.actions.map((action) => action.kind)).toEqual(['build.trigger']);
    expect(runtime.store.decisions({ product: 'acme/lib' })).toHaveLength(1);
    const stored = runtime.store.conditions('acme/lib').get('acme/lib');
    expect(stored).toEqual(result.conditions);
    expect(stored?.find((condition) => condition.type === 'Reconciling')).toMatchObject({ status: 'True' });
  });

  it('waits for the products it depends on to be Ready, as the run sees them', async () => {
    const runtime = await runtimeOf([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'app', extra: '  dependsOn: [acme/lib]\n' },
    ]);
    const idle = { submit: async () => [] };
    const waiting = await reconcileProduct(
      'acme/app',
      productRun(runtime, idle, () => false),
    );
    expect(waiting.actions[0]?.blockedBy).toContainEqual({
      type: 'dependency-not-ready',
      products: ['acme/lib'],
    });
    // Not known (no reconcile of lib yet, no stored condition): not waited for.
    const unknown = await reconcileProduct('acme/app', productRun(runtime, idle));
    expect(unknown.actions[0]?.blockedBy).toEqual([]);
  });
});

describe('a reconcile run', () => {
  it("ends each product's last reconcile with when it wants a look again: the fleet's interval", async () => {
    const repo = await createFleetRepo([{ org: 'acme', name: 'lib' }]);
    repos.push(repo);
    const outcomes: unknown[] = [];
    const result = await reconcileRepo(repo, { onReconciled: (each) => outcomes.push(each.outcome) });
    expect(result.converged).toBe(true);
    expect(outcomes[0]).toMatchObject({ type: 'requeue', afterMs: 200 });
    expect(outcomes.at(-1)).toEqual({ type: 'done', resyncAfterMs: 5 * 60_000 });
    // The run reads time from its clock, which starts at the pinned moment.
    expect(Date.parse(result.plan.createdAt)).toBeGreaterThanOrEqual(TEST_NOW.getTime());
  });
});
