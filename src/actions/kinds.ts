import type { FacetName } from '../fleet/model.js';

/**
 * Every kind of action the reconciler can plan, by facet. Constitution rules match these
 * (exactly or by glob), so the validator warns about a rule that matches none of them.
 */
export const ACTION_KINDS: Readonly<Record<string, FacetName | 'product'>> = {
  'build.configure': 'build',
  'build.trigger': 'build',
  'heal.attempt': 'build',
  'jenkinsfile.propose': 'build',
  'docs.regenerate': 'docs',
  'release.cut': 'release',
  'release.publish': 'release',
  'deploy.apply': 'deploy',
  'infra.apply': 'infra',
  'announce.post': 'announce',
  'product.prune': 'product',
};

export type ActionKind = keyof typeof ACTION_KINDS;

/** Kinds whose actuator pushes to the product's repository: heads read before them are stale after. */
export const WRITES_PRODUCT_REPO: ReadonlySet<ActionKind> = new Set<ActionKind>([
  'jenkinsfile.propose',
  'heal.attempt',
  'release.cut',
]);
