import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProductResult } from '../../src/engine/product.js';
import type { FleetRun } from '../../src/engine/reconcile.js';
import type { InvalidFleetError } from '../../src/engine/runtime.js';
import { ensureBuilt } from '../helpers/build.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { reconcileRepo } from '../helpers/reconcile-repo.js';
import { until } from '../helpers/until.js';

const repos: FleetRepo[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

/** The head commit a product's last reconcile saw built green, if any. */
function greenHead(result: ProductResult | undefined): string | undefined {
  const build = result?.observation?.facets.build;
  if (!build?.ok) return undefined;
  const value = build.value as { head?: string; build?: { state?: string; commit?: string } };
  return value.build?.state === 'succeeded' ? value.build.commit : undefined;
}

describe('a run that keeps going (watch)', () => {
  it('reconciles a queued product at once, keeps the last valid fleet in force, and stops on its signal', async () => {
    const repo = await createFleetRepo([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'app' },
    ]);
    repos.push(repo);
    const stop = new AbortController();
    let run: FleetRun | undefined;
    const invalid: { error: InvalidFleetError; inForce: string | null }[] = [];
    const results = new Map<string, ProductResult>();
    const reconciles = new Map<string, number>();
    const running = reconcileRepo(repo, {
      signal: stop.signal,
      watch: {
        onStarted: (started) => {
          run = started;
        },
        onInvalidFleet: (error, inForce) => invalid.push({ error, inForce }),
      },
      onReconciled: (result) => {
        results.set(result.product, result);
        reconciles.set(result.product, (reconciles.get(result.product) ?? 0) + 1);
      },
    });
    await until('both products built green', () =>
      ['acme/lib', 'acme/app'].every((id) => greenHead(results.get(id))),
    );
    const fleetRun = run as unknown as FleetRun;
    const valid = fleetRun.runtime.fleet.revision;

    // A push to acme/lib, told to the run: its new head is built, without waiting for a resync.
    const head = await repo.commitToProduct('acme', 'lib', 'README.md', '# lib 2\n');
    const told = performance.now();
    fleetRun.enqueue(['acme/lib', 'acme/nobody']);
    await until('the new head built', () => greenHead(results.get('acme/lib')) === head);
    expect(performance.now() - told).toBeLessThan(15_000);

    // A fleet commit that fails validation is reported once and not acted on.
    writeFileSync(
      join(repo.fleetDir, 'products/acme/app.yaml'),
      'apiVersion: codemonkeys.dev/v1\nkind: Product\n',
    );
    const broken = await repo.commitFleet('break acme/app');
    fleetRun.resync();
    await until('the invalid revision reported', () => invalid.length > 0);
    expect(invalid[0]?.error.revision).toBe(broken);
    expect(invalid[0]?.inForce).toBe(valid);
    expect(fleetRun.runtime.fleet.revision).toBe(valid);
    expect(fleetRun.runtime.fleet.products.has('acme/app')).toBe(true);
    // The last valid revision stays in force: its products are still reconciled.
    const next = await repo.commitToProduct('acme', 'lib', 'README.md', '# lib 3\n');
    fleetRun.enqueue(['acme/lib']);
    await until(
      'the next head built under the valid fleet',
      () => greenHead(results.get('acme/lib')) === next,
    );
    expect(invalid).toHaveLength(1);

    // A burst of a thousand events for one product is one reconcile (one more if it was running).
    const before = reconciles.get('acme/app') ?? 0;
    for (let event = 0; event < 1000; event++) fleetRun.enqueue(['acme/app']);
    await until(
      'the burst reconciled',
      () => (reconciles.get('acme/app') ?? 0) > before && fleetRun.depth <= 2,
    );
    await sleep(300);
    expect((reconciles.get('acme/app') ?? 0) - before).toBeLessThanOrEqual(2);

    stop.abort();
    const ended = await running;
    expect(ended.stopped).toBe(true);
    expect(ended.converged).toBe(false);
  }, 120_000);
});
