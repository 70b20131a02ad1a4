import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/actions/action.js';
import { evaluate, type GateSubject } from '../../src/constitution/evaluate.js';
import type { ConstitutionSpec, RuleException } from '../../src/fleet/model.js';
import { ruleOf, subjectOf, TUESDAY_NOON } from './helpers.js';

const GLOBEX = { product: { id: 'globex/ledger', org: 'globex', labels: { tier: 'standard' } } };

interface VerdictCase {
  name: string;
  constitution: ConstitutionSpec;
  subject?: GateSubject;
  now?: string;
  expected: Partial<Verdict>;
}

const exception = (fields: Partial<RuleException> = {}): RuleException => ({
  rule: 'freeze',
  products: ['acme/*'],
  reason: 'incident 4711',
  owner: 'alice',
  expires: '2026-12-01T00:00:00Z',
  ...fields,
});

const verdictCases: VerdictCase[] = [
  {
    name: 'deny outweighs require-approval, warn and allow',
    constitution: {
      rules: [
        ruleOf('a', { effect: 'allow' }),
        ruleOf('w', { effect: 'warn' }),
        ruleOf('r', { effect: 'require-approval' }),
        ruleOf('d', { effect: 'deny' }),
      ],
    },
    expected: { effect: 'deny', rules: ['d'], byDefault: false },
  },
  {
    name: 'require-approval outweighs warn and allow',
    constitution: {
      rules: [
        ruleOf('a', { effect: 'allow' }),
        ruleOf('r', { effect: 'require-approval' }),
        ruleOf('w', { effect: 'warn' }),
      ],
    },
    expected: { effect: 'require-approval', rules: ['r'] },
  },
  {
    name: 'warn outweighs allow',
    constitution: { rules: [ruleOf('a', { effect: 'allow' }), ruleOf('w', { effect: 'warn' })] },
    expected: { effect: 'warn', rules: ['w'] },
  },
  {
    name: 'an applying allow rule is named and is not the default',
    constitution: { defaultEffect: 'deny', rules: [ruleOf('a', { effect: 'allow' })] },
    expected: { effect: 'allow', rules: ['a'], byDefault: false },
  },
  {
    name: 'every rule with the winning effect is named, in rule order',
    constitution: { rules: [ruleOf('d2'), ruleOf('w', { effect: 'warn' }), ruleOf('d1')] },
    expected: { effect: 'deny', rules: ['d2', 'd1'] },
  },
  {
    name: 'a rule without enforcement is hard',
    constitution: { rules: [ruleOf('d')] },
    expected: { enforcement: 'hard' },
  },
  {
    name: 'enforcement is the strictest among the winning rules',
    constitution: { rules: [ruleOf('s', { enforcement: 'soft' }), ruleOf('h', { enforcement: 'hard' })] },
    expected: { effect: 'deny', rules: ['s', 'h'], enforcement: 'hard' },
  },
  {
    name: 'soft winning rules give a soft verdict',
    constitution: {
      rules: [ruleOf('s', { enforcement: 'soft' }), ruleOf('r', { effect: 'require-approval' })],
    },
    expected: { effect: 'deny', enforcement: 'soft' },
  },
  {
    name: 'a losing rule’s enforcement does not count',
    constitution: {
      rules: [
        ruleOf('r', { effect: 'require-approval', enforcement: 'hard' }),
        ruleOf('s', { enforcement: 'soft' }),
      ],
    },
    expected: { effect: 'deny', rules: ['s'], enforcement: 'soft' },
  },
  {
    name: 'an advisory rule is reported and does not change the effect',
    constitution: { rules: [ruleOf('adv', { enforcement: 'advisory' })] },
    expected: { effect: 'allow', rules: [], advisories: ['adv'], byDefault: true },
  },
  {
    name: 'advisory rules are reported beside the binding verdict',
    constitution: {
      rules: [
        ruleOf('adv', { enforcement: 'advisory' }),
        ruleOf('w', { effect: 'warn' }),
        ruleOf('adv2', { effect: 'warn', enforcement: 'advisory' }),
      ],
    },
    expected: { effect: 'warn', rules: ['w'], advisories: ['adv', 'adv2'] },
  },
  {
    name: 'an unexpired exception for the product waives the rule',
    constitution: { rules: [ruleOf('freeze')], exceptions: [exception()] },
    expected: { effect: 'allow', rules: [], excepted: ['freeze'], byDefault: true },
  },
  {
    name: 'an exception waives its rule only; others still apply',
    constitution: {
      rules: [ruleOf('freeze'), ruleOf('other', { effect: 'warn' })],
      exceptions: [exception()],
    },
    expected: { effect: 'warn', rules: ['other'], excepted: ['freeze'] },
  },
  {
    name: 'an exception for other products does not waive the rule',
    constitution: {
      rules: [ruleOf('freeze')],
      exceptions: [exception({ products: ['globex/*', 'acme/core-lib'] })],
    },
    expected: { effect: 'deny', rules: ['freeze'], excepted: [] },
  },
  {
    name: 'an exception for another rule does not waive this one',
    constitution: { rules: [ruleOf('freeze')], exceptions: [exception({ rule: 'thaw' })] },
    expected: { effect: 'deny', excepted: [] },
  },
  {
    name: 'an exception expiring exactly now no longer applies (fail closed)',
    constitution: { rules: [ruleOf('freeze')], exceptions: [exception({ expires: '2026-11-24T12:00:00Z' })] },
    expected: { effect: 'deny', rules: ['freeze'], excepted: [] },
  },
  {
    name: 'an exception expiring a millisecond after now still applies',
    constitution: {
      rules: [ruleOf('freeze')],
      exceptions: [exception({ expires: '2026-11-24T12:00:00.001Z' })],
    },
    expected: { effect: 'allow', excepted: ['freeze'] },
  },
  {
    name: 'an exception whose expiry cannot be read waives nothing',
    constitution: { rules: [ruleOf('freeze')], exceptions: [exception({ expires: 'next week' })] },
    expected: { effect: 'deny', excepted: [] },
  },
  {
    name: 'an exception to a rule that does not apply is not listed',
    constitution: { rules: [ruleOf('freeze', { match: { orgs: ['globex'] } })], exceptions: [exception()] },
    expected: { effect: 'allow', excepted: [] },
  },
  {
    name: 'no rule applying gives the default allow',
    constitution: {},
    expected: { effect: 'allow', rules: [], byDefault: true, approvers: [], messages: [] },
  },
  {
    name: 'no rule applying gives a default deny, hard',
    constitution: { defaultEffect: 'deny', rules: [ruleOf('x', { match: { orgs: ['globex'] } })] },
    expected: { effect: 'deny', rules: [], enforcement: 'hard', byDefault: true },
  },
  {
    name: 'approvers default to the org’s approvers',
    constitution: { rules: [ruleOf('r', { effect: 'require-approval' })] },
    expected: { approvers: ['alice', 'bob'] },
  },
  {
    name: 'a rule’s approvers replace the org’s',
    constitution: { rules: [ruleOf('r', { effect: 'require-approval', approvers: ['carol'] })] },
    expected: { approvers: ['carol'] },
  },
  {
    name: 'approvers are the union of the winning rules’ approvers, without repeats',
    constitution: {
      rules: [
        ruleOf('r1', { effect: 'require-approval', approvers: ['carol', 'dave'] }),
        ruleOf('r2', { effect: 'require-approval' }),
        ruleOf('r3', { effect: 'require-approval', approvers: ['dave', 'erin'] }),
        ruleOf('w', { effect: 'warn', approvers: ['zed'] }),
      ],
    },
    expected: { approvers: ['carol', 'dave', 'erin'] },
  },
  {
    name: 'messages of the winning rules, in rule order, skipping rules without one',
    constitution: {
      rules: [
        ruleOf('d1', { message: 'first' }),
        ruleOf('w', { effect: 'warn', message: 'no' }),
        ruleOf('d2'),
        ruleOf('d3', { message: 'third' }),
      ],
    },
    expected: { messages: ['first', 'third'] },
  },
];

describe('evaluate: the verdict', () => {
  it.each(verdictCases.map((each) => [each.name, each] as const))('%s', (_name, testCase) => {
    const now = testCase.now ? new Date(testCase.now) : TUESDAY_NOON;
    const verdict = evaluate(testCase.constitution, testCase.subject ?? subjectOf(), now);
    expect(verdict).toMatchObject(testCase.expected);
  });

  it('names an org’s approvers for the org of the product judged', () => {
    const verdict = evaluate(
      { rules: [ruleOf('r', { effect: 'require-approval' })] },
      subjectOf({}, { ...GLOBEX, orgApprovers: ['carol'] }),
      TUESDAY_NOON,
    );
    expect(verdict.approvers).toEqual(['carol']);
  });

  it('turns allow and warn into require-approval by the org when the spec asks for approval, never looser', () => {
    const approval = { source: 'spec:infra.drift', message: 'infra drift is proposed, not applied' };
    const allowed = evaluate({}, subjectOf({ approval }), TUESDAY_NOON);
    expect(allowed).toMatchObject({
      effect: 'require-approval',
      rules: ['spec:infra.drift'],
      approvers: ['alice', 'bob'],
      messages: ['infra drift is proposed, not applied'],
      byDefault: false,
    });
    const warned = evaluate(
      { rules: [ruleOf('w', { effect: 'warn', message: 'careful' })] },
      subjectOf({ approval }),
      TUESDAY_NOON,
    );
    expect(warned).toMatchObject({ effect: 'require-approval', messages: ['careful', approval.message] });
    const denied = evaluate({ rules: [ruleOf('d')] }, subjectOf({ approval }), TUESDAY_NOON);
    expect(denied).toMatchObject({ effect: 'deny', rules: ['d'] });
    const required = evaluate(
      { rules: [ruleOf('r', { effect: 'require-approval', approvers: ['carol'] })] },
      subjectOf({ approval }),
      TUESDAY_NOON,
    );
    expect(required).toMatchObject({ effect: 'require-approval', rules: ['r'], approvers: ['carol'] });
  });

  it('refuses a schedule in a time zone the runtime does not know', () => {
    const constitution: ConstitutionSpec = {
      rules: [ruleOf('r', { when: { schedule: { timezone: 'Mars/Olympus' } } })],
    };
    expect(() => evaluate(constitution, subjectOf(), TUESDAY_NOON)).toThrow(
      /unknown time zone 'Mars\/Olympus'/,
    );
  });
});
