import { describe, expect, it } from 'vitest';
import { decide } from '../../src/constitution/decide.js';
import type { Effect, Enforcement } from '../../src/fleet/model.js';
import type { Approval } from '../../src/store/store.js';
import { actionOf, verdictOf } from './helpers.js';

const ACTION = actionOf({ id: 'action-1' });
const PLAN = 'plan-1';

const approval = (target: string, by: string): Approval => ({
  target,
  by,
  reason: null,
  at: '2026-11-24T12:00:00Z',
});

/** What lets an action through, per effect and enforcement: nothing needed, an approval, or nothing at all. */
const GATES: Record<Effect, Record<Enforcement, 'open' | 'approval' | 'closed'>> = {
  allow: { advisory: 'open', soft: 'open', hard: 'open' },
  warn: { advisory: 'open', soft: 'open', hard: 'open' },
  'require-approval': { advisory: 'approval', soft: 'approval', hard: 'approval' },
  deny: { advisory: 'closed', soft: 'approval', hard: 'closed' },
};

interface ApprovalScenario {
  name: string;
  approvals: Approval[];
  planId: string | null;
  /** Whether the approvals count as an attributed approval by a listed approver. */
  counts: boolean;
}

const SCENARIOS: ApprovalScenario[] = [
  {
    name: 'an approval of the action by an approver',
    approvals: [approval('action-1', 'alice')],
    planId: PLAN,
    counts: true,
  },
  {
    name: 'an approval of the plan by an approver',
    approvals: [approval(PLAN, 'alice')],
    planId: PLAN,
    counts: true,
  },
  {
    name: 'an approval of the action by a non-approver',
    approvals: [approval('action-1', 'mallory')],
    planId: PLAN,
    counts: false,
  },
  {
    name: 'an approval of the plan by a non-approver',
    approvals: [approval(PLAN, 'mallory')],
    planId: PLAN,
    counts: false,
  },
  {
    name: 'an approval by an approver of another action',
    approvals: [approval('action-2', 'alice')],
    planId: PLAN,
    counts: false,
  },
  {
    name: 'an approval of a plan id when no plan is given',
    approvals: [approval(PLAN, 'alice')],
    planId: null,
    counts: false,
  },
  { name: 'no approval', approvals: [], planId: PLAN, counts: false },
];

const rows = (Object.keys(GATES) as Effect[]).flatMap((effect) =>
  (['advisory', 'soft', 'hard'] as Enforcement[]).flatMap((enforcement) =>
    SCENARIOS.map((scenario) => {
      const gate = GATES[effect][enforcement];
      const allowed = gate === 'open' || (gate === 'approval' && scenario.counts);
      return [
        `${effect} (${enforcement}) with ${scenario.name}: ${allowed ? 'allowed' : 'blocked'}`,
        effect,
        enforcement,
        scenario,
        allowed,
      ] as const;
    }),
  ),
);

describe('decide: every effect × enforcement × approval', () => {
  it.each(rows)('%s', (_name, effect, enforcement, scenario, allowed) => {
    const verdict = verdictOf({ effect, enforcement, approvers: ['alice', 'bob'], rules: ['r1'] });
    const decision = decide(ACTION, verdict, scenario.approvals, scenario.planId);
    expect(decision.allowed).toBe(allowed);
    const gate = GATES[effect][enforcement];
    if (allowed) {
      expect(decision.blocker).toBeUndefined();
      expect(decision.approvedBy).toEqual(gate === 'approval' ? ['alice'] : []);
    } else if (gate === 'closed') {
      expect(decision.blocker).toEqual({ type: 'denied', rules: ['r1'], message: 'denied by rule r1' });
    } else {
      expect(decision.blocker).toEqual({
        type: 'awaiting-approval',
        rules: ['r1'],
        approvers: ['alice', 'bob'],
      });
    }
  });
});

describe('decide: what it reports', () => {
  it('names every listed approver who approved, once each, in approval order', () => {
    const verdict = verdictOf({ effect: 'require-approval', approvers: ['alice', 'bob'] });
    const approvals = [
      approval(PLAN, 'bob'),
      approval('action-1', 'mallory'),
      approval('action-1', 'alice'),
      approval('action-1', 'bob'),
    ];
    expect(decide(ACTION, verdict, approvals, PLAN)).toEqual({ allowed: true, approvedBy: ['bob', 'alice'] });
  });

  it('a denial’s message is the rules’ messages', () => {
    const verdict = verdictOf({ rules: ['a', 'b'], messages: ['Frozen at weekends.', 'No prod today.'] });
    expect(decide(ACTION, verdict, [], null).blocker).toEqual({
      type: 'denied',
      rules: ['a', 'b'],
      message: 'Frozen at weekends. No prod today.',
    });
  });

  it('a denial without messages names its rules', () => {
    const verdict = verdictOf({ rules: ['a', 'b'] });
    expect(decide(ACTION, verdict, [], null).blocker).toMatchObject({ message: 'denied by rules a, b' });
  });

  it('a default deny says so', () => {
    const verdict = verdictOf({ rules: [], byDefault: true, approvers: [] });
    expect(decide(ACTION, verdict, [approval('action-1', 'alice')], null)).toEqual({
      allowed: false,
      blocker: { type: 'denied', rules: [], message: "denied by the constitution's default effect" },
      approvedBy: [],
    });
  });

  it('nobody can approve when the verdict names no approvers', () => {
    const verdict = verdictOf({ effect: 'require-approval', approvers: [] });
    expect(decide(ACTION, verdict, [approval('action-1', 'alice')], PLAN)).toMatchObject({
      allowed: false,
      blocker: { type: 'awaiting-approval', approvers: [] },
    });
  });

  it('a hard deny stays denied even with approvals by every approver', () => {
    const verdict = verdictOf({ effect: 'deny', enforcement: 'hard', approvers: ['alice', 'bob'] });
    const approvals = [approval('action-1', 'alice'), approval(PLAN, 'bob')];
    expect(decide(ACTION, verdict, approvals, PLAN)).toMatchObject({ allowed: false, approvedBy: [] });
  });
});
