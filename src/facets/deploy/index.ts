import type { ActionKind } from '../../actions/kinds.js';
import type { ActionKindSpec, Facet } from '../facet.js';
import { repoAccessService } from '../repo-access.js';
import { applyDeploy } from './actuate.js';
import { ansibleService } from './ansible.js';
import { type DeployObservation, observeDeploy } from './observe.js';
import { deployState, planDeploy } from './plan.js';

/**
 * deploy: each environment runs the wanted release, as its playbook's check mode sees it. A
 * deploy waits for the product's build and for its infrastructure (provision, then deploy onto it).
 */
export const deployFacet: Facet<DeployObservation> = {
  name: 'deploy',
  needs: ['build', 'infra'],
  services: [repoAccessService, ansibleService],
  actions: new Map<ActionKind, ActionKindSpec>([['deploy.apply', { actuate: applyDeploy }]]),
  runsLocalProcesses: true,
  configured: (product) => product.manifest.spec.deploy !== undefined,
  observe: observeDeploy,
  state: deployState,
  plan: (product, observed, context) => planDeploy(product, observed, context),
};
