import { describe, expect, it } from 'vitest';
import { gatePlan, runnableIds } from '../../src/engine/gate.js';
import { proposeActions } from '../../src/engine/plan.js';
import type { Orphan, Plan } from '../../src/engine/plan-model.js';
import type { ProductObservation } from '../../src/facets/facet.js';
import type { Fleet } from '../../src/fleet/model.js';
import type { Approval, JournalEntry } from '../../src/store/store.js';
import { buildObservation, makeFleet, NOW, type ProductDef } from '../helpers/engine.js';

interface PlanArgs {
  fleet: Fleet;
  observations?: Map<string, ProductObservation>;
  approvals?: Approval[];
  journal?: Record<string, Partial<JournalEntry>>;
  orphans?: Orphan[];
  now?: Date;
}

function observeAll(fleet: Fleet, head = 'a'.repeat(40)): Map<string, ProductObservation> {
  return new Map([...fleet.products.keys()].map((id) => [id, buildObservation(id, head)]));
}

function plan({
  fleet,
  observations = observeAll(fleet),
  approvals = [],
  journal = {},
  orphans = [],
  now = NOW,
}: PlanArgs): Plan {
  const lookup = (key: string) => journal[key] as JournalEntry | undefined;
  const proposed = proposeActions({ fleet, observations, orphans, now, journal: lookup });
  return gatePlan({
    fleet,
    proposed,
    observations,
    orphans,
    now,
    dryRun: true,
    journal: lookup,
    approvals: (targets) => approvals.filter((a) => targets.includes(a.target)),
  });
}

const CHAIN: ProductDef[] = [
  { id: 'acme/app', dependsOn: ['acme/lib'] },
  { id: 'acme/lib' },
  { id: 'globex/tool' },
];

describe('planning', () => {
  it('orders actions after the products they depend on, deterministically', () => {
    const result = plan({ fleet: makeFleet(CHAIN) });
    expect(result.actions.map((action) => action.product)).toEqual(['acme/lib', 'acme/app', 'globex/tool']);
    const lib = result.actions[0]?.id as string;
    expect(result.actions[1]?.dependsOn).toEqual([lib]);
    // acme/app waits for acme/lib to be Ready (its build green), not merely for lib's trigger.
    expect(result.actions[1]?.blockedBy).toEqual([
      { type: 'waiting-on', actions: [lib] },
      { type: 'dependency-not-ready', products: ['acme/lib'] },
    ]);
    expect(result.summary).toMatchObject({ actions: 3, runnable: 2, blocked: 1 });
  });

  it('holds a product while the one it depends on builds or has failed, and lets it go once that one is green', () => {
    const fleet = makeFleet(CHAIN);
    const head = 'a'.repeat(40);
    const withLib = (build: Parameters<typeof buildObservation>[2]) =>
      new Map([...observeAll(fleet, head), ['acme/lib', buildObservation('acme/lib', head, build)]]);
    const app = (result: Plan) => result.actions.find((action) => action.product === 'acme/app');
    for (const state of ['running', 'failed'] as const) {
      const held = plan({ fleet, observations: withLib({ state }) });
      expect(app(held)?.blockedBy, state).toEqual([{ type: 'dependency-not-ready', products: ['acme/lib'] }]);
      expect(runnableIds(held.actions).has(app(held)?.id as string), state).toBe(false);
    }
    const green = plan({ fleet, observations: withLib({ state: 'succeeded' }) });
    expect(app(green)?.blockedBy).toEqual([]);
  });

  it('gives the same plan id for the same content, and another when the content changes', () => {
    const fleet = makeFleet(CHAIN);
    const first = plan({ fleet });
    expect(plan({ fleet, now: new Date(NOW.getTime() + 60_000) }).id).toBe(first.id);
    expect(plan({ fleet, observations: observeAll(fleet, 'b'.repeat(40)) }).id).not.toBe(first.id);
    expect(plan({ fleet: makeFleet(CHAIN, '  defaultEffect: deny\n') }).id).not.toBe(first.id);
  });

  it('plans nothing for a product whose head built green, and waits while it builds', () => {
    const fleet = makeFleet([{ id: 'acme/lib' }]);
    const green = plan({
      fleet,
      observations: new Map([
        ['acme/lib', buildObservation('acme/lib', 'c'.repeat(40), { state: 'succeeded', durationMs: 1200 })],
      ]),
    });
    expect(green.actions).toEqual([]);
    expect(green.products[0]?.facets.build).toMatchObject({ state: 'ready', reason: 'BuildSucceeded' });
    const running = plan({
      fleet,
      observations: new Map([
        ['acme/lib', buildObservation('acme/lib', 'c'.repeat(40), { state: 'running' })],
      ]),
    });
    expect(running.actions).toEqual([]);
    expect(running.products[0]?.facets.build).toMatchObject({ state: 'progressing', requeueAfterMs: 1000 });
  });

  it('stalls on a failed build, naming the step and the end of its log', () => {
    const failure = {
      step: 1,
      command: 'npm test',
      exitCode: 1,
      signal: null,
      logTail: 'ok 1\nnot ok 2 - adds\n',
    };
    const result = plan({
      fleet: makeFleet([{ id: 'acme/lib' }]),
      observations: new Map([
        ['acme/lib', buildObservation('acme/lib', 'd'.repeat(40), { state: 'failed', failure })],
      ]),
    });
    expect(result.actions).toEqual([]);
    expect(result.products[0]?.facets.build?.state).toBe('stalled');
    expect(result.products[0]?.facets.build?.message).toMatch(
      /failed: step 2 `npm test` exited 1\nok 1\nnot ok 2 - adds/,
    );
  });

  it('builds again after an aborted build, under a new idempotency key', () => {
    const result = plan({
      fleet: makeFleet([{ id: 'acme/lib' }]),
      observations: new Map([
        ['acme/lib', buildObservation('acme/lib', 'e'.repeat(40), { state: 'aborted', buildId: 'run-7' })],
      ]),
    });
    expect(result.actions[0]?.idempotencyKey).toBe(`build.trigger:acme/lib@${'e'.repeat(40)}:after:run-7`);
    expect(result.actions[0]?.reason).toMatch(/was aborted/);
  });

  it('blocks every action of a suspended product, and says so', () => {
    const result = plan({ fleet: makeFleet([{ id: 'acme/lib', suspend: true }]) });
    expect(result.actions[0]?.blockedBy).toEqual([{ type: 'suspended' }]);
    expect(result.summary.runnable).toBe(0);
  });

  it('keeps a denied action and what waits on it from running', () => {
    const rules =
      '  rules:\n    - { id: no-lib-builds, match: { products: [acme/lib] }, effect: deny, message: frozen }\n';
    const result = plan({ fleet: makeFleet(CHAIN, rules) });
    const lib = result.actions.find((action) => action.product === 'acme/lib');
    expect(lib?.blockedBy).toEqual([{ type: 'denied', rules: ['no-lib-builds'], message: 'frozen' }]);
    expect(
      [...runnableIds(result.actions)].map((id) => result.actions.find((a) => a.id === id)?.product),
    ).toEqual(['globex/tool']);
    expect(result.summary).toMatchObject({ runnable: 1, blocked: 2, byEffect: { deny: 1, allow: 2 } });
  });

  it('runs an approval-gated action once an approver approves it or the whole plan, not anyone else', () => {
    const rules =
      '  rules:\n    - { id: ask-first, match: { actions: ["build.*"] }, effect: require-approval, approvers: [alice] }\n';
    const fleet = makeFleet([{ id: 'acme/lib' }], rules);
    const before = plan({ fleet });
    const action = before.actions[0]?.id as string;
    expect(before.actions[0]?.blockedBy).toEqual([
      { type: 'awaiting-approval', rules: ['ask-first'], approvers: ['alice'] },
    ]);
    const approval = (target: string, by: string): Approval => ({
      target,
      by,
      reason: null,
      at: NOW.toISOString(),
    });
    expect(plan({ fleet, approvals: [approval(action, 'mallory')] }).summary.runnable).toBe(0);
    expect(plan({ fleet, approvals: [approval(action, 'alice')] }).summary.runnable).toBe(1);
    expect(plan({ fleet, approvals: [approval(before.id, 'alice')] }).summary.runnable).toBe(1);
    // A new head is another action: the old approval does not carry over.
    expect(
      plan({ fleet, observations: observeAll(fleet, '9'.repeat(40)), approvals: [approval(action, 'alice')] })
        .summary.runnable,
    ).toBe(0);
  });

  it('reads the journal: running, backing off, failed for good', () => {
    const fleet = makeFleet([{ id: 'acme/lib' }]);
    const key = `build.trigger:acme/lib@${'a'.repeat(40)}`;
    const at = (journal: Partial<JournalEntry>) =>
      plan({ fleet, journal: { [key]: journal } }).actions[0]?.blockedBy;
    expect(at({ state: 'intent', startedAt: '2026-11-26T11:59:00Z' })).toEqual([
      { type: 'in-progress', since: '2026-11-26T11:59:00Z' },
    ]);
    expect(at({ state: 'failed', retryAt: '2026-11-26T12:05:00Z', attempts: 2 })).toEqual([
      { type: 'backoff', until: '2026-11-26T12:05:00Z', attempts: 2 },
    ]);
    expect(at({ state: 'failed', retryAt: '2026-11-26T11:00:00Z', attempts: 2 })).toEqual([]);
    expect(
      at({
        state: 'failed',
        retryAt: null,
        error: { message: 'no such repo', reason: 'RepoGone', next: 'stalled' },
      }),
    ).toEqual([{ type: 'failed', reason: 'RepoGone', message: 'no such repo' }]);
  });

  it('prunes an orphan only when its spec asked for it, and gates the prune', () => {
    const fleet = makeFleet(
      [{ id: 'acme/lib' }],
      '  rules:\n    - { id: no-prune, match: { actions: [product.prune] }, effect: require-approval }\n',
    );
    const orphans: Orphan[] = [
      { product: 'acme/old', orphanedAt: NOW.toISOString(), lastSeenRevision: 'r1', prune: true },
      { product: 'globex/kept', orphanedAt: NOW.toISOString(), lastSeenRevision: 'r1', prune: false },
    ];
    const result = plan({ fleet, orphans });
    const prunes = result.actions.filter((action) => action.kind === 'product.prune');
    expect(prunes.map((action) => action.product)).toEqual(['acme/old']);
    expect(prunes[0]?.blockedBy[0]).toMatchObject({
      type: 'awaiting-approval',
      rules: ['no-prune'],
      approvers: ['alice'],
    });
    expect(result.summary.orphans).toBe(2);
  });

  it('passes observed build state to the constitution', () => {
    const rules =
      '  rules:\n    - { id: only-when-red, match: { actions: ["build.*"] }, when: { observed: { build: { is: none } } }, effect: warn }\n';
    const result = plan({ fleet: makeFleet([{ id: 'acme/lib' }], rules) });
    expect(result.actions[0]?.verdict).toMatchObject({ effect: 'warn', rules: ['only-when-red'] });
  });

  it('builds again, under a new key, when a build the journal started is nowhere to be seen', () => {
    const fleet = makeFleet([{ id: 'acme/lib' }]);
    const key = `build.trigger:acme/lib@${'a'.repeat(40)}`;
    const once = plan({
      fleet,
      journal: { [key]: { state: 'succeeded', startedAt: 't0', finishedAt: 't1' } },
    });
    expect(once.actions[0]?.idempotencyKey).toBe(`${key}:again:t1`);
    expect(once.actions[0]?.reason).toMatch(/is gone; build it again/);
    const twice = plan({
      fleet,
      journal: {
        [key]: { state: 'succeeded', finishedAt: 't1' },
        [`${key}:again:t1`]: { state: 'succeeded', finishedAt: 't2' },
      },
    });
    expect(twice.actions[0]?.idempotencyKey).toBe(`${key}:again:t1:again:t2`);
  });
});
