import { gatePlan, gateProduct } from '../src/engine/gate.js';
import { planProduct, proposeActions } from '../src/engine/plan.js';
import type { BuildObservation } from '../src/facets/build/observe.js';
import type { ProductObservation } from '../src/facets/facet.js';
import { loadFleetFiles } from '../src/fleet/load.js';
import { LoadCache } from '../src/fleet/load-cache.js';
import type { Fleet } from '../src/fleet/model.js';
import { measure, peakRssMiB, printTable } from './harness.js';
import { generatedFleet } from './validate.js';

const NOW = new Date('2026-11-26T12:00:00Z');

/** Cached observations: every other product's head already built green, the rest not built yet. */
function observations(fleet: Fleet): Map<string, ProductObservation> {
  const map = new Map<string, ProductObservation>();
  let index = 0;
  for (const id of fleet.products.keys()) {
    const head = index.toString(16).padStart(40, '0');
    const value: BuildObservation = {
      ci: 'local',
      repoUrl: `/repos/${id}.git`,
      branch: 'main',
      head,
      build:
        index % 2 === 0
          ? {
              product: id,
              commit: head,
              state: 'succeeded',
              buildId: 'b',
              startedAt: NOW.toISOString(),
              durationMs: 1000,
              logRef: '/l',
            }
          : null,
    };
    map.set(id, { product: id, facets: { build: { ok: true, value, observedAt: NOW.toISOString() } } });
    index++;
  }
  return map;
}

function planFrom(fleet: Fleet, observed: Map<string, ProductObservation>) {
  const journal = () => undefined;
  const proposed = proposeActions({ fleet, observations: observed, orphans: [], now: NOW, journal });
  return gatePlan({
    fleet,
    proposed,
    observations: observed,
    orphans: [],
    now: NOW,
    dryRun: true,
    journal,
    approvals: () => [],
  });
}

/** Plan time and memory for generated fleets, observations cached; and re-plan after one manifest changes. */
export function benchPlan(): void {
  const rows: Record<string, string | number>[] = [];
  for (const size of [100, 1000, 10_000]) {
    const files = generatedFleet(size);
    const fleet = loadFleetFiles(files, NOW).fleet as Fleet;
    const observed = observations(fleet);
    const runs = size >= 10_000 ? 3 : 7;
    const load = measure(runs, () => loadFleetFiles(files, NOW));
    const plan = measure(runs, () => planFrom(fleet, observed));
    // One product's manifest changes: the fleet is loaded again (caches warm) and that product
    // alone is planned and gated, as a reconcile run's queue does.
    const loadCache = new LoadCache();
    loadFleetFiles(files, NOW, loadCache);
    const variants = ['20m', '25m'].map((timeout) => {
      const changed = new Map(files.files);
      changed.set(
        'products/p7.yaml',
        (changed.get('products/p7.yaml') as string).replace('timeout: 15m', `timeout: ${timeout}`),
      );
      return { ...files, files: changed };
    });
    let turn = 0;
    const replan = measure(15, () => {
      const result = loadFleetFiles(variants[turn++ % 2] as typeof files, NOW, loadCache);
      const loaded = result.fleet as Fleet;
      for (const id of result.changedProducts ?? []) {
        const product = loaded.products.get(id);
        if (!product) continue;
        const journal = () => undefined;
        const planned = planProduct(product, {
          fleet: loaded,
          observations: observed,
          orphans: [],
          now: NOW,
          journal,
        });
        const gating = {
          fleet: loaded,
          now: NOW,
          journal,
          approvals: [],
          planId: null,
          ready: () => undefined,
        };
        gateProduct(gating, planned.actions, observed.get(id));
      }
    });
    const actions = planFrom(fleet, observed).actions.length;
    rows.push({
      products: size,
      actions,
      'load ms': load,
      'plan ms': plan,
      'load+plan ms': load + plan,
      're-plan, 1 change ms': replan,
      'speed-up': (load + plan) / replan,
      'RSS now MiB': process.memoryUsage().rss / 1024 / 1024,
      'peak RSS MiB': peakRssMiB(),
    });
  }
  printTable(
    'plan: generated fleets, observations cached (load = parse + validate all manifests; plan = propose + gate)',
    rows,
  );
}
