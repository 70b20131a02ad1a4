import type { ActionKind } from '../../actions/kinds.js';
import type { ActionKindSpec, Facet } from '../facet.js';
import { repoAccessService } from '../repo-access.js';
import { configureJob, triggerBuild } from './actuate.js';
import { ciService } from './ci.js';
import { proposeJenkinsfile } from './jenkinsfile.js';
import { BuildMemory } from './memory.js';
import { type BuildObservation, observeBuild, prepareBuilds } from './observe.js';
import { buildState, planBuild } from './plan.js';

/** build: CI is green for the branch head. Everything else of a product waits for it. */
export const buildFacet: Facet<BuildObservation> = {
  name: 'build',
  needs: [],
  services: [repoAccessService, ciService],
  actions: new Map<ActionKind, ActionKindSpec>([
    ['build.configure', { actuate: configureJob }],
    ['build.trigger', { actuate: triggerBuild }],
    ['jenkinsfile.propose', { actuate: proposeJenkinsfile, writesProductRepo: true }],
  ]),
  configured: (product) => product.manifest.spec.build !== undefined,
  prepare: prepareBuilds,
  remember: (clock) => new BuildMemory(clock),
  observe: observeBuild,
  state: buildState,
  plan: (product, observed, context) => planBuild(product, observed, context),
};
