import type { ActionKind } from '../actions/kinds.js';
import type { Actuator } from '../facets/actuator.js';
import { configureJob, triggerBuild } from '../facets/build/actuate.js';
import { proposeJenkinsfile } from '../facets/build/jenkinsfile.js';
import { applyDeploy } from '../facets/deploy/actuate.js';
import { applyInfra } from '../facets/infra/actuate.js';
import { pruneProduct } from './prune.js';

/** Every actuator, by the action kind it carries out. Registered explicitly; a test walks this map. */
export const ACTUATORS: ReadonlyMap<ActionKind, Actuator> = new Map<ActionKind, Actuator>([
  ['build.configure', configureJob],
  ['build.trigger', triggerBuild],
  ['deploy.apply', applyDeploy],
  ['jenkinsfile.propose', proposeJenkinsfile],
  ['infra.apply', applyInfra],
  ['product.prune', pruneProduct],
]);
