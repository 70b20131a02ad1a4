import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatePlan } from '../../src/engine/gate.js';
import { IncrementalPlanner } from '../../src/engine/incremental.js';
import { proposeActions } from '../../src/engine/plan.js';
import type { ProductObservation } from '../../src/facets/facet.js';
import { loadFleetFiles } from '../../src/fleet/load.js';
import { LoadCache } from '../../src/fleet/load-cache.js';
import type { Fleet } from '../../src/fleet/model.js';
import type { FleetFiles } from '../../src/fleet/source.js';
import type { Approval, JournalEntry } from '../../src/store/store.js';
import { buildObservation, makeFleet, NOW } from '../helpers/engine.js';

const COUNT = 10;
const IDS = Array.from({ length: COUNT }, (_, index) => `acme/p${index}`);
const CONSTITUTION = `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: c }
spec:
  rules:
    - { id: ask, match: { products: [acme/p3, acme/p7] }, effect: require-approval, approvers: [alice] }
    - { id: frozen, match: { products: [acme/p5] }, when: { schedule: { hours: "12:00-12:02" } }, effect: deny }
    - { id: note, match: { labels: { tier: b } }, effect: warn }
`;

interface World {
  deps: number[][];
  timeouts: number[];
  tiers: string[];
  heads: string[];
  builds: string[];
  journal: Map<string, Partial<JournalEntry>>;
  approvals: Approval[];
  now: Date;
}

function files(world: World): FleetFiles {
  const map = new Map<string, string>([
    [
      'fleet.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: f }\nspec:\n  orgs: [{ name: acme, approvers: [alice] }]\n',
    ],
    ['constitution.yaml', CONSTITUTION],
  ]);
  IDS.forEach((_id, index) => {
    const deps = (world.deps[index] ?? []).map((dep) => `acme/p${dep}`);
    map.set(
      `products/p${index}.yaml`,
      `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: p${index}, org: acme, labels: { tier: ${world.tiers[index]} } }\nspec:\n  repo: { url: r }\n${deps.length ? `  dependsOn: [${deps.join(', ')}]\n` : ''}  build: { steps: [make], timeout: ${world.timeouts[index]}m }\n`,
    );
  });
  return { source: '/f', revision: 'r', dirty: false, files: map };
}

function observations(world: World, cache: Map<string, ProductObservation>): Map<string, ProductObservation> {
  // The same object while a product's observation is unchanged, as a cache of observations gives.
  for (const [index, id] of IDS.entries()) {
    const head = world.heads[index] as string;
    const build = world.builds[index] as string;
    const key = `${head}/${build}`;
    const known = cache.get(id) as (ProductObservation & { key?: string }) | undefined;
    if (known?.key === key) continue;
    cache.set(
      id,
      Object.assign(
        buildObservation(id, head, build === 'none' ? undefined : { state: build as 'running' }),
        { key },
      ),
    );
  }
  return cache;
}

const step = fc.oneof(
  fc.record({
    kind: fc.constant('timeout' as const),
    product: fc.nat(COUNT - 1),
    value: fc.integer({ min: 1, max: 9 }),
  }),
  fc.record({
    kind: fc.constant('deps' as const),
    product: fc.integer({ min: 1, max: COUNT - 1 }),
    value: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('tier' as const),
    product: fc.nat(COUNT - 1),
    value: fc.constantFrom('a', 'b'),
  }),
  fc.record({
    kind: fc.constant('head' as const),
    product: fc.nat(COUNT - 1),
    value: fc.constantFrom('1', '2', '3'),
  }),
  fc.record({
    kind: fc.constant('build' as const),
    product: fc.nat(COUNT - 1),
    value: fc.constantFrom('none', 'running', 'succeeded', 'failed', 'aborted'),
  }),
  fc.record({
    kind: fc.constant('journal' as const),
    product: fc.nat(COUNT - 1),
    value: fc.constantFrom('intent', 'failed-stalled', 'failed-later', 'clear'),
  }),
  fc.record({
    kind: fc.constant('approve' as const),
    product: fc.nat(COUNT - 1),
    value: fc.constantFrom('alice', 'bob'),
  }),
  fc.record({
    kind: fc.constant('time' as const),
    product: fc.constant(0),
    value: fc.integer({ min: 1, max: 90 }),
  }),
);

describe('the incremental planner', () => {
  it('gives exactly the plan a full computation gives, over random sequences of changes (300 seeded runs)', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const world: World = {
          deps: IDS.map((_, index) => (index > 0 && index % 3 !== 0 ? [index - 1] : [])),
          timeouts: IDS.map(() => 5),
          tiers: IDS.map((_, index) => (index % 2 ? 'a' : 'b')),
          heads: IDS.map(() => '1'),
          builds: IDS.map((_, index) => (index % 4 === 0 ? 'succeeded' : 'none')),
          journal: new Map(),
          approvals: [],
          now: new Date('2026-11-26T11:59:30Z'),
        };
        const planner = new IncrementalPlanner();
        const loadCache = new LoadCache();
        const observed = new Map<string, ProductObservation>();
        let previousIds = new Map<string, string>();
        const planBoth = (changed: Set<string> | undefined) => {
          const loaded = loadFleetFiles(files(world), world.now, loadCache);
          const fleet = loaded.fleet as Fleet;
          const obs = observations(world, observed);
          const journal = (key: string) => world.journal.get(key) as JournalEntry | undefined;
          const approvals = (targets: string[]) => world.approvals.filter((a) => targets.includes(a.target));
          const common = {
            fleet,
            observations: obs,
            orphans: [],
            now: world.now,
            dryRun: false,
            journal,
            approvals,
          };
          const incremental = planner.plan({ ...common, changed });
          const proposed = proposeActions(common);
          const full = gatePlan({ ...common, proposed });
          expect(incremental).toEqual(full);
          previousIds = new Map(full.actions.map((action) => [action.product, action.id]));
          return full;
        };
        planBoth(undefined);
        for (const s of steps) {
          const id = IDS[s.product] as string;
          let changed: Set<string> | undefined = new Set([id]);
          if (s.kind === 'timeout') world.timeouts[s.product] = s.value as number;
          if (s.kind === 'deps') world.deps[s.product] = [(s.value as number) % s.product];
          if (s.kind === 'tier') world.tiers[s.product] = s.value as string;
          if (s.kind === 'head') world.heads[s.product] = s.value as string;
          if (s.kind === 'build') world.builds[s.product] = s.value as string;
          if (s.kind === 'time') {
            world.now = new Date(world.now.getTime() + (s.value as number) * 1000);
            changed = new Set();
          }
          if (s.kind === 'journal' || s.kind === 'approve') {
            const action = previousIds.get(id);
            const key = `build.trigger:${id}@${(world.heads[s.product] as string).repeat(40)}`;
            if (s.kind === 'approve' && action)
              world.approvals.push({
                target: action,
                by: s.value as string,
                reason: null,
                at: world.now.toISOString(),
              });
            if (s.value === 'clear') world.journal.delete(key);
            if (s.value === 'intent')
              world.journal.set(key, { state: 'intent', startedAt: world.now.toISOString() });
            if (s.value === 'failed-stalled')
              world.journal.set(key, {
                state: 'failed',
                retryAt: null,
                error: { message: 'm', reason: 'R', next: 'stalled' },
              });
            if (s.value === 'failed-later')
              world.journal.set(key, { state: 'failed', retryAt: '2026-11-26T12:00:40Z', attempts: 1 });
          }
          planBoth(changed);
        }
      }),
      { seed: 1126, numRuns: 300 },
    );
  });
});

describe('the incremental planner and time', () => {
  it('lifts a backoff when its time comes, though nothing else changed', () => {
    const fleet = {
      ...makeFleet([{ id: 'acme/lib' }, { id: 'acme/app', dependsOn: ['acme/lib'] }]),
      shapeToken: 1,
    };
    const observations = new Map(
      ['acme/lib', 'acme/app'].map((id) => [id, buildObservation(id, 'a'.repeat(40))]),
    );
    const journal = new Map<string, Partial<JournalEntry>>([
      [
        `build.trigger:acme/lib@${'a'.repeat(40)}`,
        { state: 'failed', retryAt: '2026-11-26T12:00:30Z', attempts: 1 },
      ],
    ]);
    const planner = new IncrementalPlanner();
    const at = (now: Date) => {
      const common = {
        fleet,
        observations,
        orphans: [],
        now,
        dryRun: false,
        journal: (key: string) => journal.get(key) as JournalEntry | undefined,
        approvals: () => [],
      };
      const incremental = planner.plan({ ...common, changed: new Set<string>() });
      expect(incremental).toEqual(gatePlan({ ...common, proposed: proposeActions(common) }));
      return incremental;
    };
    expect(at(NOW).summary.runnable).toBe(0);
    // The backoff over, lib's build may run; app waits for lib to be Ready (built green).
    expect(at(new Date('2026-11-26T12:00:31Z')).summary.runnable).toBe(1);
  });
});
