import { describe, expect, it } from 'vitest';
import { gatePlan } from '../../src/engine/gate.js';
import { proposeActions } from '../../src/engine/plan.js';
import { PlanCache, verdictValidUntil } from '../../src/engine/plan-cache.js';
import type { ProductObservation } from '../../src/facets/facet.js';
import { loadFleetFiles } from '../../src/fleet/load.js';
import { LoadCache } from '../../src/fleet/load-cache.js';
import type { Fleet } from '../../src/fleet/model.js';
import type { FleetFiles } from '../../src/fleet/source.js';
import { buildObservation, NOW } from '../helpers/engine.js';

const HEADER = `apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: t }\nspec:\n  orgs: [{ name: acme, approvers: [alice] }]\n`;
const RULES = `apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: c }\nspec:\n  rules:\n    - { id: weekend, match: { products: [acme/p3] }, when: { schedule: { days: [thu] } }, effect: deny }\n  exceptions:\n    - { rule: weekend, products: [acme/p3], reason: r, owner: alice, expires: "2026-11-26T12:00:30Z" }\n`;

function files(changes: Record<string, string> = {}): FleetFiles {
  const map = new Map<string, string>([
    ['fleet.yaml', HEADER],
    ['constitution.yaml', RULES],
  ]);
  for (let index = 0; index < 8; index++) {
    const deps = index > 0 ? `  dependsOn: [acme/p${index - 1}]\n` : '';
    map.set(
      `products/p${index}.yaml`,
      `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: p${index}, org: acme }\nspec:\n  repo: { url: r }\n${deps}  build: { steps: [make], timeout: 5m }\n`,
    );
  }
  for (const [file, text] of Object.entries(changes)) map.set(file, text);
  return { source: '/f', revision: 'r', dirty: false, files: map };
}

function observe(fleet: Fleet, heads: Record<string, string> = {}): Map<string, ProductObservation> {
  return new Map(
    [...fleet.products.keys()].map((id) => [id, buildObservation(id, heads[id] ?? 'a'.repeat(40))]),
  );
}

function plan(fleet: Fleet, observations: Map<string, ProductObservation>, now: Date, cache?: PlanCache) {
  const journal = () => undefined;
  const proposed = proposeActions({ fleet, observations, orphans: [], now, journal, cache });
  return gatePlan({
    fleet,
    proposed,
    observations,
    orphans: [],
    now,
    dryRun: true,
    journal,
    approvals: () => [],
    cache,
  });
}

describe('re-planning with caches', () => {
  it('gives exactly the plan a fresh computation gives, through changes of specs, heads and time', () => {
    const loadCache = new LoadCache();
    const planCache = new PlanCache();
    const steps: { changes?: Record<string, string>; heads?: Record<string, string>; now: Date }[] = [
      { now: NOW },
      { now: NOW, heads: { 'acme/p5': 'b'.repeat(40) } },
      {
        now: NOW,
        changes: { 'products/p2.yaml': files().files.get('products/p2.yaml')?.replace('5m', '9m') ?? '' },
      },
      { now: new Date('2026-11-26T12:00:45Z') }, // the exception has expired: the verdict must change
      { now: new Date('2026-11-27T12:00:45Z') }, // Friday: the schedule no longer holds
    ];
    let current = files();
    let heads: Record<string, string> = {};
    for (const step of steps) {
      current = files({
        ...Object.fromEntries([...current.files].filter(([f]) => f.startsWith('products/'))),
        ...step.changes,
      });
      heads = { ...heads, ...step.heads };
      const cachedFleet = loadFleetFiles(current, step.now, loadCache).fleet as Fleet;
      const freshFleet = loadFleetFiles(current, step.now).fleet as Fleet;
      const cached = plan(cachedFleet, observe(cachedFleet, heads), step.now, planCache);
      const fresh = plan(freshFleet, observe(freshFleet, heads), step.now);
      expect(cached.id).toBe(fresh.id);
      expect(cached.actions).toEqual(fresh.actions);
    }
  });

  it('reuses the same product object for an unchanged file', () => {
    const cache = new LoadCache();
    const first = loadFleetFiles(files(), NOW, cache).fleet as Fleet;
    const second = loadFleetFiles(
      files({ 'products/p2.yaml': files().files.get('products/p2.yaml')?.replace('5m', '6m') ?? '' }),
      NOW,
      cache,
    ).fleet as Fleet;
    expect(second.products.get('acme/p1')).toBe(first.products.get('acme/p1'));
    expect(second.products.get('acme/p2')).not.toBe(first.products.get('acme/p2'));
  });

  it('keeps a verdict no longer than the next minute with schedules, or an exception expiry', () => {
    const fleet = loadFleetFiles(files(), NOW).fleet as Fleet;
    expect(verdictValidUntil(fleet.constitution.manifest.spec, NOW)).toBe(Date.parse('2026-11-26T12:00:30Z'));
    expect(verdictValidUntil({ rules: [] }, NOW)).toBe(Number.POSITIVE_INFINITY);
  });

  it('takes the fast path only for shape-preserving product changes, and finds every problem otherwise', () => {
    const cache = new LoadCache();
    const first = loadFleetFiles(files(), NOW, cache);
    const p2 = files().files.get('products/p2.yaml') as string;
    const timeout = loadFleetFiles(files({ 'products/p2.yaml': p2.replace('5m', '7m') }), NOW, cache);
    expect(timeout.fleet?.shapeToken).toBe(first.fleet?.shapeToken);
    expect(timeout.fleet?.products.get('acme/p2')?.manifest.spec.build?.timeout).toBe('7m');
    // The loop's incremental planner redoes exactly these products.
    expect(timeout.changedProducts).toEqual(['acme/p2']);
    const rewired = loadFleetFiles(
      files({ 'products/p2.yaml': p2.replace('dependsOn: [acme/p1]', 'dependsOn: [acme/p0]') }),
      NOW,
      cache,
    );
    expect(rewired.fleet?.shapeToken).not.toBe(first.fleet?.shapeToken);
    expect(rewired.fleet?.products.get('acme/p2')?.manifest.spec.dependsOn).toEqual(['acme/p0']);
    const broken = loadFleetFiles(
      files({ 'products/p2.yaml': p2.replace('dependsOn: [acme/p1]', 'dependsOn: [acme/p9]') }),
      NOW,
      cache,
    );
    expect(broken.fleet).toBeUndefined();
    expect(broken.problems.map((problem) => problem.code)).toEqual(['unknown-dependency']);
    const typo = loadFleetFiles(
      files({
        'products/p3.yaml': (files().files.get('products/p3.yaml') as string).replace('timeout', 'timout'),
      }),
      NOW,
      cache,
    );
    expect(typo.problems.map((problem) => problem.code)).toEqual(expect.arrayContaining(['unknown-field']));
    expect(loadFleetFiles(files(), NOW, cache).problems).toEqual([]);
  });
});
