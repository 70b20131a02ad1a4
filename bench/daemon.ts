import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type FleetRun, reconcile } from '../src/engine/reconcile.js';
import { createLogger } from '../src/log/logger.js';
import { sweepRetention } from '../src/server/retention.js';
import { systemClock } from '../src/util/clock.js';
import { createFleetRepo } from '../test/helpers/fleet-repo.js';
import { printTable } from './harness.js';

const PRODUCTS = Number(process.env.BENCH_DAEMON_PRODUCTS ?? 100);
const RECONCILES = Number(process.env.BENCH_DAEMON_RECONCILES ?? 10_000);
const logger = createLogger({ level: 'silent' });

/**
 * A daemon's footprint after it has served RECONCILES reconciles: a watch-mode run over PRODUCTS
 * products with local builds, every product queued again (resync) as soon as the last round is
 * done. Reports wall time, reconciles per second, the process's RSS and heap (after a GC when
 * node runs with --expose-gc), the state file and the state folder on disk, before and after a
 * retention sweep with the default policy.
 */
export async function benchDaemon(): Promise<void> {
  const repo = await createFleetRepo(
    Array.from({ length: PRODUCTS }, (_, index) => ({ org: 'acme', name: `p${index}`, steps: ['true'] })),
  );
  try {
    const stop = new AbortController();
    let served = 0;
    let started: number | undefined;
    let run: FleetRun | undefined;
    let round = 0;
    const done = new Promise<void>((resolve) => {
      void reconcile({
        fleet: repo.fleetDir,
        cwd: repo.root,
        env: process.env,
        logger,
        clock: systemClock,
        dryRun: false,
        once: false,
        maxPasses: Number.POSITIVE_INFINITY,
        signal: stop.signal,
        watch: {
          onStarted: (fleetRun) => {
            run = fleetRun;
          },
        },
        onReconciled: () => {
          served++;
          started ??= performance.now();
          if (served >= RECONCILES) {
            resolve();
            return;
          }
          // A new round once this one is all but done: every product queued again.
          if (run && served >= (round + 1) * PRODUCTS) {
            round++;
            run.resync();
          }
        },
      });
    });
    await done;
    const seconds = (performance.now() - (started ?? performance.now())) / 1000;
    const live = run as unknown as FleetRun;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const memory = process.memoryUsage();
    const stateDir = live.runtime.stateDir;
    const before = { state: fileMiB(join(stateDir, 'state.db')), folder: folderMiB(stateDir) };
    const swept = await sweepRetention(live.runtime, systemClock());
    stop.abort();
    printTable(`daemon: ${RECONCILES} reconciles of ${PRODUCTS} local-build products`, [
      {
        seconds: seconds.toFixed(1),
        'reconciles/s': Math.round(served / seconds),
        'rss MiB': (memory.rss / 2 ** 20).toFixed(0),
        'heap MiB': (memory.heapUsed / 2 ** 20).toFixed(0),
        'gc first': gc ? 'yes' : 'no (--expose-gc)',
        'state.db MiB': before.state.toFixed(2),
        'state folder MiB': before.folder.toFixed(2),
        'swept rows': swept.journal + swept.decisions + swept.plans + swept.tofuPlans + swept.observations,
      },
    ]);
  } finally {
    repo.cleanup();
  }
}

function fileMiB(path: string): number {
  try {
    return statSync(path).size / 2 ** 20;
  } catch {
    return 0;
  }
}

function folderMiB(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes / 2 ** 20;
}
