import type { FacetName } from '../fleet/model.js';
import { buildFacet } from './build/index.js';
import { deployFacet } from './deploy/index.js';
import type { Facet } from './facet.js';
import { infraFacet } from './infra/index.js';

/**
 * Every facet, in the order their actions run for one product (build before docs before
 * release…). Registered explicitly; a test walks this map. Facets of later issues join here.
 */
export const FACETS: ReadonlyMap<FacetName, Facet> = new Map<FacetName, Facet>([
  ['build', buildFacet as Facet],
  ['deploy', deployFacet as Facet],
  ['infra', infraFacet as Facet],
]);
