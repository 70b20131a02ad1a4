import { describe, it } from 'vitest';
import { type ApplyCase, expectApplies, subjectOf } from './helpers.js';

const GLOBEX = { product: { id: 'globex/ledger', org: 'globex', labels: { tier: 'standard' } } };

/** `match`: which actions and products a rule is about. */
const cases: ApplyCase[] = [
  { name: 'a rule without match or when applies to everything', rule: {}, applies: true },
  { name: 'an exact action kind matches', rule: { match: { actions: ['deploy.apply'] } }, applies: true },
  {
    name: 'another action kind does not match',
    rule: { match: { actions: ['infra.apply'] } },
    applies: false,
  },
  {
    name: 'a kind glob matches within its facet',
    rule: { match: { actions: ['release.*'] } },
    subject: subjectOf({ kind: 'release.cut' }),
    applies: true,
  },
  {
    name: 'a kind glob does not match another facet',
    rule: { match: { actions: ['release.*'] } },
    applies: false,
  },
  { name: '* matches every kind', rule: { match: { actions: ['*'] } }, applies: true },
  {
    name: 'any of several kind patterns matches',
    rule: { match: { actions: ['infra.apply', 'deploy.*'] } },
    applies: true,
  },
  {
    name: 'a product glob matches the org/name id',
    rule: { match: { products: ['acme/*'] } },
    applies: true,
  },
  { name: 'an exact product id matches', rule: { match: { products: ['acme/widget'] } }, applies: true },
  {
    name: 'a product glob of another org does not match',
    rule: { match: { products: ['globex/*'] } },
    applies: false,
  },
  {
    name: 'a bare * does not cross the org/name slash',
    rule: { match: { products: ['*'] } },
    applies: false,
  },
  { name: 'the product org matches exactly', rule: { match: { orgs: ['globex', 'acme'] } }, applies: true },
  { name: 'another org does not match', rule: { match: { orgs: ['globex'] } }, applies: false },
  { name: 'org names are not globs', rule: { match: { orgs: ['ac*'] } }, applies: false },
  {
    name: 'labels match when every one is equal',
    rule: { match: { labels: { tier: 'critical' } } },
    applies: true,
  },
  {
    name: 'a label with another value does not match',
    rule: { match: { labels: { tier: 'standard' } } },
    applies: false,
  },
  {
    name: 'a label the product lacks does not match',
    rule: { match: { labels: { tier: 'critical', lang: 'go' } } },
    applies: false,
  },
  {
    name: 'a listed environment matches',
    rule: { match: { environments: ['staging', 'prod'] } },
    subject: subjectOf({ environment: 'prod' }),
    applies: true,
  },
  {
    name: 'an unlisted environment does not match',
    rule: { match: { environments: ['prod'] } },
    subject: subjectOf({ environment: 'staging' }),
    applies: false,
  },
  {
    name: 'an action without an environment does not match a rule with environments',
    rule: { match: { environments: ['prod'] } },
    applies: false,
  },
  {
    name: 'every match field must fit',
    rule: { match: { actions: ['deploy.apply'], orgs: ['globex'] } },
    applies: false,
  },
  {
    name: 'a rule matches another org’s product by org and labels',
    rule: { match: { orgs: ['globex'], labels: { tier: 'standard' } } },
    subject: subjectOf({}, GLOBEX),
    applies: true,
  },
];

describe('evaluate: when a rule matches', () => {
  it.each(cases.map((each) => [each.name, each] as const))('%s', (_name, testCase) =>
    expectApplies(testCase),
  );
});
