import type { ActionKind } from '../../actions/kinds.js';
import { ciService } from '../build/ci.js';
import { ansibleService } from '../deploy/ansible.js';
import type { ActionKindSpec, Facet } from '../facet.js';
import { repoAccessService } from '../repo-access.js';
import { cutRelease, publishRelease } from './actuate.js';
import { observeRelease, type ReleaseObservation } from './observe.js';
import { planRelease, releaseState } from './plan.js';

/**
 * release: releasable commits are released. The next version follows from the conventional
 * commits since the last release; `release.cut` commits the changelog and version files, tags
 * and pushes, `release.publish` ships the release to each registry. A release waits for its build.
 */
export const releaseFacet: Facet<ReleaseObservation> = {
  name: 'release',
  needs: ['build'],
  services: [repoAccessService, ciService, ansibleService],
  actions: new Map<ActionKind, ActionKindSpec>([
    ['release.cut', { actuate: cutRelease, writesProductRepo: true }],
    ['release.publish', { actuate: publishRelease }],
  ]),
  configured: (product) => product.manifest.spec.release !== undefined,
  observe: observeRelease,
  state: releaseState,
  plan: (product, observed, context) => planRelease(product, observed, context),
};
