import type { Facet } from '../facet.js';
import { type InfraObservation, observeInfra } from './observe.js';
import { infraState, planInfra } from './plan.js';

/** infra: no drift between the product's OpenTofu module and the real infrastructure. */
export const infraFacet: Facet<InfraObservation> = {
  name: 'infra',
  runsLocalProcesses: true,
  configured: (product) => product.manifest.spec.infra !== undefined,
  observe: observeInfra,
  state: infraState,
  plan: (product, observed, context) => planInfra(product, observed, context),
};
