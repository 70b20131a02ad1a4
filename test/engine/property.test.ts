import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.js';
import { evaluate } from '../../src/constitution/evaluate.js';
import { executePlan } from '../../src/engine/execute.js';
import { gatePlan, gateSubject } from '../../src/engine/gate.js';
import { proposeActions } from '../../src/engine/plan.js';
import type { Actuator } from '../../src/facets/actuator.js';
import type { ProductObservation } from '../../src/facets/facet.js';
import type { Effect, Enforcement, Rule, RuleException } from '../../src/fleet/model.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore } from '../../src/store/sqlite.js';
import type { Approval } from '../../src/store/store.js';
import { buildObservation, makeFleet, NOW, testActuateContext } from '../helpers/engine.js';

const PRODUCTS = ['acme/a', 'acme/b', 'globex/c', 'globex/d'];
const PEOPLE = ['alice', 'bob', 'mallory'];

const rule: fc.Arbitrary<Rule> = fc.record(
  {
    id: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'),
    match: fc.record(
      {
        actions: fc.constantFrom(['build.*'], ['build.trigger'], ['*'], ['release.*']),
        products: fc.subarray(['acme/*', 'acme/a', 'globex/c', '*/d'], { minLength: 1 }),
        orgs: fc.subarray(['acme', 'globex'], { minLength: 1 }),
        labels: fc.constantFrom({ tier: 'critical' }, { tier: 'standard' }),
      },
      { requiredKeys: [] },
    ),
    when: fc.record(
      {
        observed: fc.constantFrom(
          { build: { is: 'none' } },
          { build: { not: 'green' } },
          { build: { is: 'green' } },
        ),
      },
      { requiredKeys: [] },
    ),
    effect: fc.constantFrom<Effect>('allow', 'warn', 'require-approval', 'deny'),
    enforcement: fc.constantFrom<Enforcement>('advisory', 'soft', 'hard'),
    approvers: fc.subarray(['alice', 'bob'], { minLength: 1 }),
  },
  { requiredKeys: ['id', 'effect'] },
);

const exception: fc.Arbitrary<RuleException> = fc.record({
  rule: fc.constantFrom('r1', 'r2', 'r3'),
  products: fc.subarray(PRODUCTS, { minLength: 1 }),
  reason: fc.constant('test'),
  owner: fc.constant('alice'),
  expires: fc.constantFrom('2026-11-26T11:00:00Z', '2026-11-26T12:00:00Z', '2026-12-01T00:00:00Z'),
});

const scenario = fc.record({
  rules: fc.uniqueArray(rule, { selector: (r) => r.id, maxLength: 5 }),
  exceptions: fc.array(exception, { maxLength: 2 }),
  defaultEffect: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
  labels: fc.array(fc.constantFrom('critical', 'standard'), { minLength: 4, maxLength: 4 }),
  approvals: fc.array(
    fc.record({
      product: fc.constantFrom(...PRODUCTS),
      by: fc.constantFrom(...PEOPLE),
      onPlan: fc.boolean(),
    }),
    { maxLength: 4 },
  ),
  builds: fc.array(fc.constantFrom('none', 'aborted', 'succeeded'), { minLength: 4, maxLength: 4 }),
});

describe('the gate, over random plans and constitutions', () => {
  it('never executes an action that a rule denies or that lacks a required approval (2,000 seeded cases)', async () => {
    const logger = createLogger({ level: 'silent' });
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const fleet = makeFleet(
          PRODUCTS.map((id, index) => ({ id, labels: { tier: s.labels[index] as string } })),
          '  rules: []\n',
        );
        fleet.constitution.manifest.spec = {
          defaultEffect: s.defaultEffect,
          rules: s.rules,
          exceptions: s.exceptions,
        };
        const observations = new Map<string, ProductObservation>(
          PRODUCTS.map((id, index) => {
            const state = s.builds[index] as string;
            return [
              id,
              buildObservation(
                id,
                'a'.repeat(40),
                state === 'none' ? undefined : { state: state as 'aborted' },
              ),
            ];
          }),
        );
        const journal = () => undefined;
        const proposed = proposeActions({ fleet, observations, orphans: [], now: NOW, journal });
        let approvals: Approval[] = [];
        const plan = gatePlan({
          fleet,
          proposed,
          observations,
          orphans: [],
          now: NOW,
          dryRun: false,
          journal,
          approvals: (targets) => {
            const planId = targets[0] as string;
            approvals = s.approvals.flatMap(({ product, by, onPlan }) => {
              const action = proposed.actions.find((each) => each.product === product);
              const target = onPlan ? planId : action?.id;
              return target ? [{ target, by, reason: null, at: NOW.toISOString() }] : [];
            });
            return approvals.filter((approval) => targets.includes(approval.target));
          },
        });
        const store = openStore(':memory:');
        const ran: Action[] = [];
        const record: Actuator = async (action) => {
          ran.push(action);
          return {};
        };
        try {
          await executePlan({
            plan,
            store,
            context: testActuateContext(fleet, store, logger, () => NOW),
            actuators: new Map([['build.trigger', record]]),
            runId: 'property',
            concurrency: 3,
          });
        } finally {
          store.close();
        }
        for (const action of ran) {
          // Judge each executed action afresh, from the constitution alone.
          const verdict = evaluate(
            fleet.constitution.manifest.spec,
            gateSubject(fleet, action, observations.get(action.product)),
            NOW,
          );
          expect(
            verdict.effect === 'deny' && verdict.enforcement === 'hard',
            `${action.product} ran under hard deny ${verdict.rules}`,
          ).toBe(false);
          if (verdict.effect === 'require-approval' || verdict.effect === 'deny') {
            const approved = approvals.some(
              (a) => (a.target === action.id || a.target === plan.id) && verdict.approvers.includes(a.by),
            );
            expect(
              approved,
              `${action.product} ran under ${verdict.effect} without an approval by ${verdict.approvers}`,
            ).toBe(true);
          }
        }
      }),
      { seed: 4711, numRuns: 2000 },
    );
  });
});
