import type { Action } from '../actions/action.js';
import type { Fleet } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import type { StateStore } from '../store/store.js';
import type { Services } from './services.js';

/** What an actuator may use to change the world. */
export interface ActuateContext {
  fleet: Fleet;
  fleetDir: string;
  /** Where the reconciler keeps its own files (builds, mirrors), beside the state database. */
  stateDir: string;
  /** The runners and clients the facets declared (see Service). */
  services: Services;
  store: StateStore;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  now(): Date;
  /**
   * This attempt's own folder (engine/action-folders.ts). A program an actuator runs for real
   * goes in a detached worker in a subfolder of it (runDetached), so that it outlives the
   * reconciler; a restarted reconciler calls the actuator again for the same attempt, and the run
   * found in the subfolder is waited for or read back, not started again. So an actuator must
   * reach its detached run before it changes anything else. Absent when an actuator is called
   * outside the executor: programs then run attached.
   */
  actionDir?: string;
}

/**
 * Carries out one action. Resolves to a JSON-safe result (no secrets) that the journal keeps;
 * throws a CodemonkeysError whose `next` says whether to retry (transient, waiting) or not (stalled).
 */
export type Actuator = (action: Action, context: ActuateContext) => Promise<unknown>;
