import { describe, expect, it } from 'vitest';
import type { ExecutedAction } from '../../src/engine/execute.js';
import type { ProductOutcome, ProductResult } from '../../src/engine/product.js';
import { DaemonMetrics } from '../../src/server/metrics.js';

type FacetState = 'ready' | 'progressing' | 'stalled' | 'error';

function result(
  product: string,
  outcome: ProductOutcome['type'],
  facets: Record<string, FacetState>,
  executed: Pick<ExecutedAction, 'kind' | 'outcome'>[] = [],
): ProductResult {
  const outcomes: Record<ProductOutcome['type'], ProductOutcome> = {
    done: { type: 'done', resyncAfterMs: 300_000 },
    requeue: { type: 'requeue', afterMs: 5_000, why: 'a build runs' },
    error: { type: 'error', reason: 'ObserveFailed', message: 'jenkins: down', next: 'transient' },
  };
  return {
    product,
    status: {
      product,
      suspended: false,
      facets: Object.fromEntries(
        Object.entries(facets).map(([facet, state]) => [facet, { state, reason: 'R', message: '' }]),
      ),
    },
    actions: [],
    observation: undefined,
    executed: executed.map((action, index) => ({ actionId: `a${index}`, product, ...action })),
    conditions: [],
    ready: false,
    outcome: outcomes[outcome],
  };
}

/** The samples of an exposition, as `name{label="value",…}` → value, labels in the order written. */
async function samples(metrics: DaemonMetrics): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const line of (await metrics.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    found.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return found;
}

describe('the daemon metrics', () => {
  it('counts reconciles by outcome and observes their durations in the histogram', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.reconciled(result('acme/widget', 'done', {}), 0.03);
    metrics.reconciled(result('acme/widget', 'requeue', {}), 2);
    metrics.reconciled(result('acme/gadget', 'requeue', {}), 700);
    const found = await samples(metrics);
    expect(found.get('codemonkeys_reconciles_total{outcome="done"}')).toBe(1);
    expect(found.get('codemonkeys_reconciles_total{outcome="requeue"}')).toBe(2);
    expect(found.get('codemonkeys_reconciles_total{outcome="error"}')).toBe(0);
    expect(found.get('codemonkeys_reconcile_duration_seconds_bucket{le="0.05"}')).toBe(1);
    expect(found.get('codemonkeys_reconcile_duration_seconds_bucket{le="2.5"}')).toBe(2);
    expect(found.get('codemonkeys_reconcile_duration_seconds_bucket{le="600"}')).toBe(2);
    expect(found.get('codemonkeys_reconcile_duration_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(found.get('codemonkeys_reconcile_duration_seconds_count')).toBe(3);
    expect(found.get('codemonkeys_reconcile_duration_seconds_sum')).toBeCloseTo(702.03);
  });

  it('counts the actions carried out by kind and outcome', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.reconciled(
      result('acme/widget', 'requeue', {}, [
        { kind: 'build.run', outcome: 'succeeded' },
        { kind: 'deploy.apply', outcome: 'failed' },
      ]),
      1,
    );
    metrics.reconciled(result('acme/gadget', 'done', {}, [{ kind: 'build.run', outcome: 'succeeded' }]), 1);
    metrics.reconciled(result('acme/gadget', 'done', {}, [{ kind: 'build.run', outcome: 'skipped' }]), 1);
    const found = await samples(metrics);
    expect(found.get('codemonkeys_actions_total{kind="build.run",outcome="succeeded"}')).toBe(2);
    expect(found.get('codemonkeys_actions_total{kind="build.run",outcome="skipped"}')).toBe(1);
    expect(found.get('codemonkeys_actions_total{kind="deploy.apply",outcome="failed"}')).toBe(1);
  });

  it('counts the products drifted per facet from each product’s last reconcile only', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.reconciled(result('acme/widget', 'requeue', { build: 'progressing', deploy: 'stalled' }), 1);
    metrics.reconciled(result('acme/gadget', 'requeue', { build: 'error', deploy: 'ready' }), 1);
    metrics.reconciled(result('acme/gizmo', 'done', { build: 'ready', deploy: 'ready' }), 1);
    let found = await samples(metrics);
    expect(found.get('codemonkeys_drift_products{facet="build"}')).toBe(2);
    expect(found.get('codemonkeys_drift_products{facet="deploy"}')).toBe(1);

    // widget converged and gadget left the fleet: both facets back to 0, still reported.
    metrics.reconciled(result('acme/widget', 'done', { build: 'ready', deploy: 'ready' }), 1);
    metrics.forget('acme/gadget');
    found = await samples(metrics);
    expect(found.get('codemonkeys_drift_products{facet="build"}')).toBe(0);
    expect(found.get('codemonkeys_drift_products{facet="deploy"}')).toBe(0);
  });

  it('reports the queue depth as set, or as read from the callback at each scrape', async () => {
    const set = new DaemonMetrics({ processMetrics: false });
    set.queueDepth(7);
    expect((await samples(set)).get('codemonkeys_queue_depth')).toBe(7);

    let depth = 3;
    const read = new DaemonMetrics({ processMetrics: false, queueDepth: () => depth });
    expect((await samples(read)).get('codemonkeys_queue_depth')).toBe(3);
    depth = 12;
    expect((await samples(read)).get('codemonkeys_queue_depth')).toBe(12);
  });

  it('counts webhook requests by source and result, folding unknown values into `other`', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.webhookRequest('github', 'accepted');
    metrics.webhookRequest('github', 'accepted');
    metrics.webhookRequest('gitlab', 'unauthorized');
    // A caller passing through a path segment or a header cannot grow the label set.
    metrics.webhookRequest('evil.example' as never, 'sha256=deadbeef' as never);
    const found = await samples(metrics);
    expect(found.get('codemonkeys_webhook_requests_total{source="github",result="accepted"}')).toBe(2);
    expect(found.get('codemonkeys_webhook_requests_total{source="gitlab",result="unauthorized"}')).toBe(1);
    expect(found.get('codemonkeys_webhook_requests_total{source="other",result="other"}')).toBe(1);
    expect(await metrics.text()).not.toContain('evil.example');
  });

  it('never labels a sample with a product id', async () => {
    const metrics = new DaemonMetrics({ processMetrics: false });
    metrics.reconciled(
      result('acme/secret-project', 'error', { build: 'error' }, [{ kind: 'build.run', outcome: 'failed' }]),
      1,
    );
    expect(await metrics.text()).not.toContain('secret-project');
  });

  it('keeps two daemons’ metrics apart and adds the process metrics to its own registry', async () => {
    const first = new DaemonMetrics();
    const second = new DaemonMetrics();
    first.reconciled(result('acme/widget', 'done', {}), 1);
    expect((await samples(first)).get('codemonkeys_reconciles_total{outcome="done"}')).toBe(1);
    expect((await samples(second)).get('codemonkeys_reconciles_total{outcome="done"}')).toBe(0);
    expect(
      [...(await samples(first)).keys()].some((name) => name.startsWith('process_cpu_seconds_total')),
    ).toBe(true);
    expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
