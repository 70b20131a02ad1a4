import type { Action } from '../actions/action.js';
import type { AnsibleRunner } from '../backends/ansible/index.js';
import type { CiBackend } from '../backends/ci.js';
import type { Fleet } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import type { StateStore } from '../store/store.js';
import type { InfraRunner } from './infra/runner.js';

/** What an actuator may use to change the world. */
export interface ActuateContext {
  fleet: Fleet;
  fleetDir: string;
  /** Where the reconciler keeps its own files (builds, mirrors), beside the state database. */
  stateDir: string;
  ci: ReadonlyMap<string, CiBackend>;
  store: StateStore;
  /** Runs OpenTofu for `infra.apply`. */
  tofu?: InfraRunner;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  now(): Date;
  /** Runs playbooks (deploy.apply); absent where nothing deploys. */
  ansible?: AnsibleRunner;
}

/**
 * Carries out one action. Resolves to a JSON-safe result (no secrets) that the journal keeps;
 * throws a CodemonkeysError whose `next` says whether to retry (transient, waiting) or not (stalled).
 */
export type Actuator = (action: Action, context: ActuateContext) => Promise<unknown>;
