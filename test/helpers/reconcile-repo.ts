import { type ReconcileOptions, type ReconcileResult, reconcile } from '../../src/engine/reconcile.js';
import { openRuntime, type Runtime } from '../../src/engine/runtime.js';
import { createLogger } from '../../src/log/logger.js';
import { testClock } from './clock.js';
import type { FleetRepo } from './fleet-repo.js';

const silent = createLogger({ level: 'silent' });

/** `reconcile` of a test fleet until it converges (at most 200 looks a product), on the test clock. */
export function reconcileRepo(
  repo: FleetRepo,
  options: Partial<ReconcileOptions> = {},
): Promise<ReconcileResult> {
  return reconcile({
    clock: testClock(),
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: process.env,
    logger: silent,
    dryRun: false,
    once: false,
    maxPasses: 200,
    ...options,
  });
}

/** The fleet's runtime on the test clock: read-only as `plan` opens it, or read-write. */
export function repoRuntime(repo: FleetRepo, readOnly: boolean): Promise<Runtime> {
  return openRuntime({
    clock: testClock(),
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: process.env,
    logger: silent,
    readOnly,
  });
}
