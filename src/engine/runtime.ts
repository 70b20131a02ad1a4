import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { canonicalJson } from '../actions/canonical.js';
import { CodemonkeysError } from '../errors.js';
import { FACETS } from '../facets/index.js';
import { Services } from '../facets/services.js';
import { loadFleet } from '../fleet/load.js';
import type { Fleet } from '../fleet/model.js';
import type { Problem } from '../fleet/problems.js';
import type { Logger } from '../log/logger.js';
import { statePath } from '../store/location.js';
import { openStore, openStoreSnapshot, type SqliteStore } from '../store/sqlite.js';
import type { Clock } from '../util/clock.js';
import { perObject } from '../util/per-object.js';
import type { LoopState } from './loop-state.js';

/** Everything a pass needs: the fleet at one revision, the state store, the backends. */
export interface Runtime {
  fleet: Fleet;
  fleetDir: string;
  /** Folder of the state database; the reconciler's own files live below it. */
  stateDir: string;
  store: SqliteStore;
  /** The runners and clients the registered facets declared, opened once for this runtime. */
  services: Services;
  /** Concurrency limits per backend. */
  perBackend: Readonly<Record<string, number>>;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Kept across the looks of one `reconcile` run (absent for one-shot commands). */
  loop?: LoopState;
  /** What the passes and actions read the time from. */
  clock: Clock;
}

export interface RuntimeOptions {
  fleet: string;
  rev?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Never write: open the state read-only (or an empty in-memory state when there is none yet). */
  readOnly: boolean;
  /** What the passes and actions read the time from; the load validates exceptions' expiry at its now. */
  clock: Clock;
  /** Reuse this open store (a run keeps one for all its loads) instead of opening the fleet's. */
  store?: SqliteStore;
  /** Read-only, and the state a copy in memory that may be written (`watch --dry-run`): see openStoreSnapshot. */
  snapshotState?: boolean;
  /** Kept across the looks of one `reconcile` run. */
  loop?: LoopState;
  /**
   * The runtime this load replaces (a run reloading its fleet): its services (CI clients, runners)
   * are kept while fleet.yaml's spec and the private repositories are the same, so that what they hold (a Jenkins folder read
   * for the products about to be looked at) is not lost to a reload.
   */
  previous?: Runtime;
}

/** The fleet revision is invalid: nothing was done. Carries every problem for the caller to print. */
export class InvalidFleetError extends CodemonkeysError {
  override name = 'InvalidFleetError';
  constructor(
    readonly problems: Problem[],
    readonly revision: string | null,
  ) {
    const errors = problems.filter((problem) => problem.severity === 'error').length;
    super(
      `the fleet repo${revision ? ` at ${revision.slice(0, 12)}` : ''} is invalid (${errors} error${errors === 1 ? '' : 's'}): nothing was done`,
      {
        reason: 'InvalidFleet',
        next: 'stalled',
      },
    );
  }
}

/** Loads and validates the fleet (refusing an invalid revision), opens the state and the CI backends. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const loaded = await loadFleet({
    fleet: options.fleet,
    rev: options.rev,
    cwd: options.cwd,
    env: options.env,
    now: options.clock(),
    cache: options.loop?.load,
  });
  if (!loaded.fleet) throw new InvalidFleetError(loaded.problems, loaded.revision);
  const fleet = loaded.fleet;
  const fleetDir = existsSync(fleet.source) ? fleet.source : resolve(options.cwd);
  const path = statePath(fleetDir, fleet.fleet.manifest.spec.state?.sqlite, options.env);
  const store =
    options.store ??
    (options.snapshotState ? openStoreSnapshot(path) : openStateStore(path, options.readOnly));
  const stateDir = dirname(path);
  const concurrency = fleet.fleet.manifest.spec.reconcile?.concurrency ?? 4;
  const previous = options.previous;
  const same =
    previous !== undefined &&
    previous.stateDir === stateDir &&
    servicesKey(previous.fleet) === servicesKey(fleet);
  const services = same
    ? previous.services
    : await Services.open(
        [...FACETS.values()].flatMap((facet) => facet.services),
        {
          fleet,
          fleetDir,
          stateDir,
          statePath: path,
          readOnly: options.readOnly,
          env: options.env,
          logger: options.logger,
          concurrency,
          clock: options.clock,
        },
      );
  return {
    fleet,
    fleetDir,
    stateDir,
    store,
    services,
    perBackend: { local: concurrency, jenkins: concurrency },
    env: options.env,
    logger: options.logger,
    loop: options.loop,
    clock: options.clock,
  };
}

/** What services are opened from: fleet.yaml's spec, and the private repositories with their credentials. */
const servicesKey = perObject((fleet: Fleet) =>
  canonicalJson({
    spec: fleet.fleet.manifest.spec,
    private: [...fleet.products.values()]
      .filter((product) => product.manifest.spec.repo.credentials !== undefined)
      .map((product) => [product.manifest.spec.repo.url, product.manifest.spec.repo.credentials]),
  }),
);

/** The state file read-write; read-only when asked (an empty in-memory state when there is no file yet). */
export function openStateStore(path: string, readOnly: boolean): SqliteStore {
  if (!readOnly) return openStore(path);
  return existsSync(path) ? openStore(path, { readonly: true }) : openStore(':memory:');
}
