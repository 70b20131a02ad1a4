/**
 * The facets a product's reconcile is made of, the vocabulary of the constitution's
 * `when.observed` and of the product spec's sections. The facet registry (src/facets/index.ts)
 * registers those implemented so far; a test holds the registry and the schemas to this list.
 */
export const FACET_NAMES = ['build', 'docs', 'release', 'deploy', 'infra', 'announce'] as const;

export type FacetName = (typeof FACET_NAMES)[number];

/** What a constitution rule decides. Precedence: deny > require-approval > warn > allow. */
export type Effect = 'allow' | 'warn' | 'require-approval' | 'deny';

/** How binding a rule is: advisory (reported only), soft (an attributed approval overrides), hard. */
export type Enforcement = 'advisory' | 'soft' | 'hard';

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
