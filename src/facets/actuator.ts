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
}

/**
 * Carries out one action. Resolves to a JSON-safe result (no secrets) that the journal keeps;
 * throws a CodemonkeysError whose `next` says whether to retry (transient, waiting) or not (stalled).
 */
export type Actuator = (action: Action, context: ActuateContext) => Promise<unknown>;
