import type { ActionKind, FacetName } from '../actions/kinds.js';
import { buildFacet } from './build/index.js';
import { deployFacet } from './deploy/index.js';
import type { ActionKindSpec, Facet } from './facet.js';
import { infraFacet } from './infra/index.js';
import { releaseFacet } from './release/index.js';

/**
 * Every facet, one line each. The order is one in which every facet comes after the facets it
 * `needs` (a test holds it); nothing else depends on it. Facets of later issues join here.
 */
export const FACETS: ReadonlyMap<FacetName, Facet> = new Map<FacetName, Facet>([
  ['build', buildFacet as Facet],
  ['release', releaseFacet as Facet],
  ['infra', infraFacet as Facet],
  ['deploy', deployFacet as Facet],
]);

/** Every action kind a registered facet plans, with its facet and how it is carried out. */
export function actionKinds(): Map<ActionKind, ActionKindSpec & { facet: FacetName }> {
  const kinds = new Map<ActionKind, ActionKindSpec & { facet: FacetName }>();
  for (const facet of FACETS.values()) {
    for (const [kind, spec] of facet.actions) kinds.set(kind, { ...spec, facet: facet.name });
  }
  return kinds;
}
