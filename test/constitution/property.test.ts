import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.js';
import { ACTION_KINDS, type ActionKind } from '../../src/actions/kinds.js';
import { decide } from '../../src/constitution/decide.js';
import { evaluate, type GateSubject, ruleApplies } from '../../src/constitution/evaluate.js';
import type {
  Comparison,
  ConstitutionSpec,
  FacetName,
  Rule,
  RuleException,
  StateTest,
  Weekday,
} from '../../src/fleet/model.js';
import type { Approval } from '../../src/store/store.js';

const RUNS = { seed: 20261124, numRuns: 2500 };

const PRODUCTS: GateSubject['product'][] = [
  { id: 'acme/widget', org: 'acme', labels: { tier: 'critical' } },
  { id: 'acme/core-lib', org: 'acme', labels: { tier: 'critical', lang: 'node' } },
  { id: 'globex/ledger', org: 'globex', labels: { tier: 'standard' } },
];
const PEOPLE = ['alice', 'bob', 'carol', 'dave'];
const FACETS: FacetName[] = ['build', 'docs', 'release', 'deploy', 'infra', 'announce'];
const STATES = ['green', 'red', 'running', 'none', 'unknown', 'stale'];
const DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const NOW_RANGE = {
  min: new Date('2026-01-01T00:00:00Z'),
  max: new Date('2027-12-31T00:00:00Z'),
  noInvalidDate: true,
};

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const someOf = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });

const stateTest: fc.Arbitrary<StateTest> = fc.oneof(
  fc.record({ is: fc.oneof(fc.constantFrom(...STATES), someOf(STATES)) }),
  fc.record({ not: fc.oneof(fc.constantFrom(...STATES), someOf(STATES)) }),
);
const comparison: fc.Arbitrary<Comparison> = fc.record(
  { gt: fc.nat(12), gte: fc.nat(12), lt: fc.nat(12), lte: fc.nat(12), eq: fc.nat(12) },
  { requiredKeys: [] },
);

const rule = (id: string): fc.Arbitrary<Rule> =>
  fc.record(
    {
      id: fc.constant(id),
      match: optional(
        fc.record(
          {
            actions: someOf([
              '*',
              'release.*',
              'deploy.apply',
              'heal.*',
              'infra.apply',
              '{build,heal}.*',
              'docs.regenerate',
            ]),
            products: someOf(['acme/*', 'globex/*', '*/*', 'acme/widget', 'globex/ledger']),
            orgs: someOf(['acme', 'globex']),
            labels: fc.record({ tier: fc.constantFrom('critical', 'standard') }),
            environments: someOf(['prod', 'staging']),
          },
          { requiredKeys: [] },
        ),
      ),
      when: optional(
        fc.record(
          {
            schedule: fc.record(
              {
                days: someOf(DAYS),
                hours: fc.constantFrom(
                  '09:00-17:00',
                  '22:00-06:00',
                  '00:00-24:00',
                  '08:00-08:00',
                  '18:00-08:00',
                ),
                timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Kolkata'),
              },
              { requiredKeys: [] },
            ),
            observed: fc.dictionary(fc.constantFrom(...FACETS), stateTest, { maxKeys: 2 }),
            changes: fc.dictionary(fc.constantFrom('add', 'change', 'destroy', 'total'), comparison, {
              maxKeys: 2,
            }),
            paths: someOf(['**/migrations/**', 'Jenkinsfile', '.ci/**', 'src/*', '**']),
          },
          { requiredKeys: [] },
        ),
      ),
      effect: fc.constantFrom('allow', 'warn', 'require-approval', 'deny'),
      enforcement: optional(fc.constantFrom('advisory', 'soft', 'hard')),
      approvers: optional(fc.subarray(PEOPLE)),
      message: optional(fc.constantFrom('frozen', 'ask first')),
    },
    { requiredKeys: ['id', 'effect'] },
  ) as fc.Arbitrary<Rule>;

const scenario = fc
  .record({
    ruleCount: fc.integer({ min: 0, max: 6 }),
    now: fc.date(NOW_RANGE),
  })
  .chain(({ ruleCount, now }) => {
    const ids = Array.from({ length: ruleCount }, (_, index) => `r${index}`);
    const exception: fc.Arbitrary<RuleException> = fc.record({
      rule: fc.constantFrom(...ids, 'nope'),
      products: someOf(['acme/*', 'globex/ledger', '*/*', 'acme/core-lib']),
      reason: fc.constant('because'),
      owner: fc.constant('alice'),
      // Around now, exactly now included: expiry at now must waive nothing.
      expires: fc
        .constantFrom(-86_400_000, -1, 0, 1, 86_400_000)
        .map((offset) => new Date(now.getTime() + offset).toISOString()),
    });
    return fc.record({
      now: fc.constant(now),
      constitution: fc.record(
        {
          defaultEffect: fc.constantFrom('allow', 'deny'),
          rules: fc.tuple(...ids.map(rule)),
          exceptions: fc.array(exception, { maxLength: 3 }),
        },
        { requiredKeys: ['rules'] },
      ) as fc.Arbitrary<ConstitutionSpec>,
      subject: subject(),
      planId: optional(fc.constant('plan-1')),
      approvals: fc.array(
        fc.record({
          target: fc.constantFrom('action-1', 'plan-1', 'other'),
          by: fc.constantFrom(...PEOPLE, 'mallory'),
        }),
        { maxLength: 3 },
      ),
    });
  });

function subject(): fc.Arbitrary<GateSubject> {
  return fc
    .record({
      product: fc.constantFrom(...PRODUCTS),
      kind: fc.constantFrom(...(Object.keys(ACTION_KINDS) as ActionKind[])),
      environment: optional(fc.constantFrom('prod', 'staging', 'dev')),
      changes: optional(fc.record({ add: fc.nat(8), change: fc.nat(8), destroy: fc.nat(3) })),
      paths: optional(
        fc.subarray(['src/app.ts', 'db/migrations/1.sql', 'Jenkinsfile', '.ci/run', 'src/.env']),
      ),
      observed: fc.dictionary(fc.constantFrom(...FACETS), fc.constantFrom(...STATES), { maxKeys: 3 }),
      orgApprovers: fc.subarray(PEOPLE),
    })
    .map(({ product, kind, environment, changes, paths, observed, orgApprovers }) => {
      const action: Action = {
        id: 'action-1',
        product: product.id,
        facet: ACTION_KINDS[kind] as Action['facet'],
        kind,
        params: {},
        reason: 'property',
        dependsOn: [],
        idempotencyKey: 'key-1',
        changeClass: 'change',
        ...(environment ? { environment } : {}),
        ...(changes ? { changes } : {}),
        ...(paths ? { paths } : {}),
      };
      return { action, product, orgApprovers, observed };
    });
}

/** Independent of evaluate: is this rule waived for the product at `now`? */
function waived(constitution: ConstitutionSpec, ruleId: string, productId: string, now: Date): boolean {
  return (constitution.exceptions ?? []).some(
    (exception) =>
      exception.rule === ruleId &&
      Date.parse(exception.expires) > now.getTime() &&
      exception.products.some((pattern) => picomatch.isMatch(productId, pattern)),
  );
}

/** The applying rules that bind: not waived, not advisory. */
function binding(constitution: ConstitutionSpec, subject: GateSubject, now: Date): Rule[] {
  return (constitution.rules ?? []).filter(
    (each) =>
      ruleApplies(each, subject, now) &&
      !waived(constitution, each.id, subject.product.id, now) &&
      each.enforcement !== 'advisory',
  );
}

function toApprovals(raw: { target: string; by: string }[]): Approval[] {
  return raw.map(({ target, by }) => ({ target, by, reason: null, at: '2026-01-01T00:00:00Z' }));
}

describe('the gate, over random constitutions and actions', () => {
  it('never allows an action that an applying, non-excepted, hard deny rule covers', () => {
    fc.assert(
      fc.property(scenario, ({ now, constitution, subject, planId, approvals }) => {
        const verdict = evaluate(constitution, subject, now);
        const decision = decide(subject.action, verdict, toApprovals(approvals), planId ?? null);
        const hardDeny = binding(constitution, subject, now).some(
          (each) => each.effect === 'deny' && (each.enforcement ?? 'hard') === 'hard',
        );
        if (hardDeny) expect(decision.allowed).toBe(false);
      }),
      RUNS,
    );
  });

  it('allows a require-approval or soft-deny verdict only on an approval by a listed approver', () => {
    fc.assert(
      fc.property(scenario, ({ now, constitution, subject, planId, approvals }) => {
        const verdict = evaluate(constitution, subject, now);
        const decision = decide(subject.action, verdict, toApprovals(approvals), planId ?? null);
        const gated = verdict.effect === 'require-approval' || verdict.effect === 'deny';
        if (!gated || !decision.allowed) return;
        const winners = binding(constitution, subject, now).filter((each) => each.effect === verdict.effect);
        const named = winners.flatMap((each) => each.approvers ?? []);
        const listed = named.length > 0 ? named : subject.orgApprovers;
        const targets = [subject.action.id, ...(planId ? [planId] : [])];
        const approved = approvals.some(({ target, by }) => targets.includes(target) && listed.includes(by));
        expect(approved).toBe(true);
        expect(decision.approvedBy.length).toBeGreaterThan(0);
        for (const by of decision.approvedBy) expect(listed).toContain(by);
      }),
      RUNS,
    );
  });

  it('names exactly the binding rules with the strongest effect, or the default', () => {
    const order = ['deny', 'require-approval', 'warn', 'allow'];
    fc.assert(
      fc.property(scenario, ({ now, constitution, subject }) => {
        const verdict = evaluate(constitution, subject, now);
        const rules = binding(constitution, subject, now);
        const strongest = order.find((effect) => rules.some((each) => each.effect === effect));
        if (strongest === undefined) {
          expect(verdict).toMatchObject({
            effect: constitution.defaultEffect ?? 'allow',
            rules: [],
            byDefault: true,
          });
        } else {
          expect(verdict.effect).toBe(strongest);
          expect(verdict.rules).toEqual(
            rules.filter((each) => each.effect === strongest).map((each) => each.id),
          );
        }
      }),
      RUNS,
    );
  });
});
