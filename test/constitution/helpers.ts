import { expect } from 'vitest';
import type { Action, Verdict } from '../../src/actions/action.js';
import { evaluate, type GateSubject } from '../../src/constitution/evaluate.js';
import type { ConstitutionSpec, Rule } from '../../src/fleet/model.js';

/** An action of acme/widget; fields given replace the defaults. */
export function actionOf(fields: Partial<Action> = {}): Action {
  return {
    id: 'action-1',
    product: 'acme/widget',
    facet: 'deploy',
    kind: 'deploy.apply',
    params: {},
    reason: 'test',
    dependsOn: [],
    idempotencyKey: 'key-1',
    changeClass: 'change',
    ...fields,
  };
}

/** A subject for acme/widget (tier: critical), org approvers alice and bob, build green. */
export function subjectOf(
  action: Partial<Action> = {},
  rest: Partial<Omit<GateSubject, 'action'>> = {},
): GateSubject {
  const product = rest.product ?? { id: 'acme/widget', org: 'acme', labels: { tier: 'critical' } };
  return {
    action: actionOf({ product: product.id, ...action }),
    product,
    orgApprovers: rest.orgApprovers ?? ['alice', 'bob'],
    observed: rest.observed ?? { build: 'green' },
  };
}

/** A deny rule with the given id and fields. */
export function ruleOf(id: string, fields: Partial<Rule> = {}): Rule {
  return { id, effect: 'deny', ...fields };
}

/** A verdict; fields given replace a hard deny by rule r1. */
export function verdictOf(fields: Partial<Verdict> = {}): Verdict {
  return {
    effect: 'deny',
    rules: ['r1'],
    enforcement: 'hard',
    approvers: ['alice'],
    messages: [],
    advisories: [],
    excepted: [],
    byDefault: false,
    ...fields,
  };
}

/** A case of one deny rule: `applies` says whether it decides the verdict. */
export interface ApplyCase {
  name: string;
  rule: Partial<Rule>;
  subject?: GateSubject;
  now?: string;
  applies: boolean;
}

/** Tuesday 2026-11-24 12:00 UTC, the default moment of the tables. */
export const TUESDAY_NOON = new Date('2026-11-24T12:00:00Z');

/** Evaluates a constitution of one deny rule `r` and checks whether it decided the verdict. */
export function expectApplies(testCase: ApplyCase): void {
  const constitution: ConstitutionSpec = { rules: [ruleOf('r', testCase.rule)] };
  const subject = testCase.subject ?? subjectOf();
  const now = testCase.now ? new Date(testCase.now) : TUESDAY_NOON;
  const verdict = evaluate(constitution, subject, now);
  expect(verdict.effect).toBe(testCase.applies ? 'deny' : 'allow');
  expect(verdict.rules).toEqual(testCase.applies ? ['r'] : []);
  expect(verdict.byDefault).toBe(!testCase.applies);
}
