import type { ActionKind } from '../../actions/kinds.js';
import type { ActionKindSpec, Facet } from '../facet.js';
import { repoAccessService } from '../repo-access.js';
import { applyInfra } from './actuate.js';
import { type InfraObservation, observeInfra } from './observe.js';
import { infraState, planInfra } from './plan.js';
import { tofuService } from './runner.js';

/**
 * infra: no drift between the product's OpenTofu module and the real infrastructure. It needs
 * nothing of the product's own: infrastructure is provisioned first, then deployed onto.
 */
export const infraFacet: Facet<InfraObservation> = {
  name: 'infra',
  needs: [],
  services: [repoAccessService, tofuService],
  actions: new Map<ActionKind, ActionKindSpec>([['infra.apply', { actuate: applyInfra }]]),
  runsLocalProcesses: true,
  configured: (product) => product.manifest.spec.infra !== undefined,
  observe: observeInfra,
  state: infraState,
  plan: (product, observed, context) => planInfra(product, observed, context),
};
