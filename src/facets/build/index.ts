import type { Facet } from '../facet.js';
import { type BuildObservation, observeBuild, prepareBuilds } from './observe.js';
import { buildState, planBuild } from './plan.js';

/** build: CI is green for the branch head. */
export const buildFacet: Facet<BuildObservation> = {
  name: 'build',
  configured: (product) => product.manifest.spec.build !== undefined,
  prepare: prepareBuilds,
  observe: observeBuild,
  state: buildState,
  plan: (product, observed, context) => planBuild(product, observed, context),
};
