import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/actions/action.js';
import type { Decision } from '../../src/store/store.js';
import { at, cleanUpStoresAfterEach, tempStore } from './store-fixtures.js';

cleanUpStoresAfterEach();

describe('approvals', () => {
  it('are appended, returned for the targets asked, oldest first, and audited by their approver', () => {
    const { store } = tempStore();
    store.addApproval({ target: 'plan-a', by: 'alice', reason: 'looks right', at: at(0).toISOString() });
    store.addApproval({ target: 'action-b', by: 'bob', reason: null, at: at(1).toISOString() });
    store.addApproval({ target: 'plan-a', by: 'carol', reason: null, at: at(2).toISOString() });
    expect(store.approvals(['plan-a']).map((approval) => approval.by)).toEqual(['alice', 'carol']);
    expect(store.approvals(['plan-a', 'action-b'])).toHaveLength(3);
    expect(store.approvals([])).toEqual([]);
    expect(store.approvals(['action-b'])).toEqual([
      { target: 'action-b', by: 'bob', reason: null, at: at(1).toISOString() },
    ]);
    expect(store.audit().map((entry) => [entry.type, entry.actor, entry.data])).toEqual([
      ['approval', 'alice', { target: 'plan-a', reason: 'looks right' }],
      ['approval', 'bob', { target: 'action-b', reason: null }],
      ['approval', 'carol', { target: 'plan-a', reason: null }],
    ]);
  });

  it('refuse a time that is not a time and write nothing', () => {
    const { store } = tempStore();
    expect(() => store.addApproval({ target: 'p', by: 'alice', reason: null, at: 'yesterday' })).toThrow(
      /not a time/,
    );
    expect(store.approvals(['p'])).toEqual([]);
    expect(store.audit()).toEqual([]);
  });
});

const verdict: Verdict = {
  effect: 'require-approval',
  rules: ['release-needs-review'],
  enforcement: 'hard',
  approvers: ['alice'],
  messages: ['releases need a second pair of eyes'],
  advisories: [],
  excepted: [],
  byDefault: false,
};

function decision(actionId: string, product: string, seconds: number): Decision {
  return {
    actionId,
    product,
    kind: 'release.cut',
    inputsHash: `h-${actionId}`,
    constitutionRevision: 'c1',
    verdict,
    at: at(seconds).toISOString(),
  };
}

describe('decisions', () => {
  it('are appended and filtered by product and action; a limit keeps the newest', () => {
    const { store } = tempStore();
    store.recordDecisions([decision('a1', 'acme/widget', 0), decision('a2', 'globex/portal', 1)]);
    store.recordDecisions([]);
    store.recordDecisions([decision('a1', 'acme/widget', 2)]);
    expect(store.decisions()).toEqual([
      decision('a1', 'acme/widget', 0),
      decision('a2', 'globex/portal', 1),
      decision('a1', 'acme/widget', 2),
    ]);
    expect(store.decisions({ product: 'globex/portal' })).toEqual([decision('a2', 'globex/portal', 1)]);
    expect(store.decisions({ actionId: 'a1', limit: 1 })).toEqual([decision('a1', 'acme/widget', 2)]);
    expect(store.decisions({ product: 'acme/widget', actionId: 'a2' })).toEqual([]);
  });
});
