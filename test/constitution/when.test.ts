import { describe, it } from 'vitest';
import { type ApplyCase, expectApplies, subjectOf } from './helpers.js';

/** `when.observed`: tests on the product's observed state words (the subject's build is green). */
const observedCases: ApplyCase[] = [
  {
    name: 'observed is: the state equals',
    rule: { when: { observed: { build: { is: 'green' } } } },
    applies: true,
  },
  {
    name: 'observed is: another state does not hold',
    rule: { when: { observed: { build: { is: 'red' } } } },
    applies: false,
  },
  {
    name: 'observed is: a list holds for any of its states',
    rule: { when: { observed: { build: { is: ['red', 'green'] } } } },
    applies: true,
  },
  {
    name: 'observed not: the same state does not hold',
    rule: { when: { observed: { build: { not: 'green' } } } },
    applies: false,
  },
  {
    name: 'observed not: a list excludes all its states',
    rule: { when: { observed: { build: { not: ['red', 'none'] } } } },
    applies: true,
  },
  {
    name: 'observed not: a listed state does not hold',
    rule: { when: { observed: { build: { not: ['red', 'green'] } } } },
    applies: false,
  },
  {
    name: 'a facet without observation counts as unknown (not green holds)',
    rule: { when: { observed: { docs: { not: 'green' } } } },
    applies: true,
  },
  {
    name: 'a facet without observation is unknown',
    rule: { when: { observed: { docs: { is: 'unknown' } } } },
    applies: true,
  },
  {
    name: 'a facet without observation is not green',
    rule: { when: { observed: { docs: { is: 'green' } } } },
    applies: false,
  },
  {
    name: 'every observed test must hold',
    rule: { when: { observed: { build: { is: 'green' }, docs: { is: 'green' } } } },
    subject: subjectOf({}, { observed: { build: 'green', docs: 'stale' } }),
    applies: false,
  },
];

/** Several clauses together. */
const combinedCases: ApplyCase[] = [
  {
    name: 'every clause must hold',
    rule: { when: { schedule: { days: ['tue'] }, observed: { build: { is: 'red' } } } },
    applies: false,
  },
  {
    name: 'match and when must both hold',
    rule: { match: { orgs: ['acme'] }, when: { schedule: { days: ['sun'] } } },
    applies: false,
  },
];

function changeCases(): ApplyCase[] {
  const changes = (add: number, change: number, destroy: number) =>
    subjectOf({ changes: { add, change, destroy } });
  return [
    {
      name: 'changes gt holds above',
      rule: { when: { changes: { destroy: { gt: 0 } } } },
      subject: changes(0, 0, 1),
      applies: true,
    },
    {
      name: 'changes gt does not hold at',
      rule: { when: { changes: { destroy: { gt: 1 } } } },
      subject: changes(0, 0, 1),
      applies: false,
    },
    {
      name: 'changes gte holds at',
      rule: { when: { changes: { add: { gte: 2 } } } },
      subject: changes(2, 0, 0),
      applies: true,
    },
    {
      name: 'changes lt holds below',
      rule: { when: { changes: { change: { lt: 3 } } } },
      subject: changes(0, 2, 0),
      applies: true,
    },
    {
      name: 'changes lt does not hold at',
      rule: { when: { changes: { change: { lt: 2 } } } },
      subject: changes(0, 2, 0),
      applies: false,
    },
    {
      name: 'changes lte holds at',
      rule: { when: { changes: { change: { lte: 2 } } } },
      subject: changes(0, 2, 0),
      applies: true,
    },
    {
      name: 'changes eq holds when equal',
      rule: { when: { changes: { add: { eq: 4 } } } },
      subject: changes(4, 0, 0),
      applies: true,
    },
    {
      name: 'changes eq does not hold otherwise',
      rule: { when: { changes: { add: { eq: 4 } } } },
      subject: changes(3, 0, 0),
      applies: false,
    },
    {
      name: 'total is add + change + destroy',
      rule: { when: { changes: { total: { gte: 10 } } } },
      subject: changes(5, 3, 2),
      applies: true,
    },
    {
      name: 'total below the bound does not hold',
      rule: { when: { changes: { total: { gte: 10 } } } },
      subject: changes(5, 3, 1),
      applies: false,
    },
    {
      name: 'all comparisons of a count must hold',
      rule: { when: { changes: { add: { gt: 1, lt: 5 } } } },
      subject: changes(5, 0, 0),
      applies: false,
    },
    {
      name: 'a range of comparisons holds inside',
      rule: { when: { changes: { add: { gt: 1, lt: 5 } } } },
      subject: changes(3, 0, 0),
      applies: true,
    },
    {
      name: 'every count clause must hold',
      rule: { when: { changes: { add: { eq: 1 }, destroy: { gt: 0 } } } },
      subject: changes(1, 0, 0),
      applies: false,
    },
    {
      name: 'an action without changes counts as zeros (eq 0)',
      rule: { when: { changes: { total: { eq: 0 } } } },
      applies: true,
    },
    {
      name: 'an action without changes destroys nothing',
      rule: { when: { changes: { destroy: { gt: 0 } } } },
      applies: false,
    },
  ];
}

function pathCases(): ApplyCase[] {
  const paths = (...list: string[]) => subjectOf({ kind: 'heal.attempt', paths: list });
  return [
    {
      name: 'a ** glob matches a nested path',
      rule: { when: { paths: ['**/migrations/**'] } },
      subject: paths('db/migrations/001.sql'),
      applies: true,
    },
    {
      name: 'a ** glob does not match elsewhere',
      rule: { when: { paths: ['**/migrations/**'] } },
      subject: paths('src/app.ts'),
      applies: false,
    },
    {
      name: 'a plain name matches the file at the root',
      rule: { when: { paths: ['Jenkinsfile'] } },
      subject: paths('Jenkinsfile'),
      applies: true,
    },
    {
      name: 'a plain name does not match in a subfolder',
      rule: { when: { paths: ['Jenkinsfile'] } },
      subject: paths('ci/Jenkinsfile'),
      applies: false,
    },
    {
      name: '** matches dotfolders',
      rule: { when: { paths: ['**'] } },
      subject: paths('.ci/run'),
      applies: true,
    },
    {
      name: '* matches dotfiles',
      rule: { when: { paths: ['src/*'] } },
      subject: paths('src/.env'),
      applies: true,
    },
    {
      name: 'a dotfolder glob matches inside it',
      rule: { when: { paths: ['.ci/**'] } },
      subject: paths('.ci/run'),
      applies: true,
    },
    {
      name: 'any touched file matching any glob is enough',
      rule: { when: { paths: ['a/**', 'infra/**'] } },
      subject: paths('src/x.ts', 'infra/main.tf'),
      applies: true,
    },
    { name: 'an action with no paths does not hold', rule: { when: { paths: ['**'] } }, applies: false },
    {
      name: 'an action with an empty path list does not hold',
      rule: { when: { paths: ['**'] } },
      subject: paths(),
      applies: false,
    },
  ];
}

describe('evaluate: when a rule’s when clauses hold', () => {
  it.each(observedCases.map((each) => [each.name, each] as const))('observed: %s', (_name, testCase) =>
    expectApplies(testCase),
  );
  it.each(changeCases().map((each) => [each.name, each] as const))('changes: %s', (_name, testCase) =>
    expectApplies(testCase),
  );
  it.each(pathCases().map((each) => [each.name, each] as const))('paths: %s', (_name, testCase) =>
    expectApplies(testCase),
  );
  it.each(combinedCases.map((each) => [each.name, each] as const))('%s', (_name, testCase) =>
    expectApplies(testCase),
  );
});
