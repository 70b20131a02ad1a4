import type { Facet } from '../facet.js';
import { type DeployObservation, observeDeploy } from './observe.js';
import { deployState, planDeploy } from './plan.js';

/** deploy: each environment runs the wanted release, as its playbook's check mode sees it. */
export const deployFacet: Facet<DeployObservation> = {
  name: 'deploy',
  runsLocalProcesses: true,
  configured: (product) => product.manifest.spec.deploy !== undefined,
  observe: observeDeploy,
  state: deployState,
  plan: (product, observed, context) => planDeploy(product, observed, context),
};
