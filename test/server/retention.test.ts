import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.js';
import { pruneBuilds } from '../../src/backends/localci/prune.js';
import { createLogger } from '../../src/log/logger.js';
import { startDaemon } from '../../src/server/daemon.js';
import { openStore } from '../../src/store/sqlite.js';
import { openTofuPlanStore } from '../../src/store/tofu-plans.js';
import { clockFrom, TEST_NOW } from '../helpers/clock.js';
import { createFleetRepo } from '../helpers/fleet-repo.js';
import { tempDir } from '../helpers/git.js';
import { until } from '../helpers/until.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const DAY = 86_400_000;
/** A moment `days` after the first day of these tests (TEST_NOW is day 100). */
const day = (days: number) => new Date(TEST_NOW.getTime() + (days - 100) * DAY);

function action(key: string): Action {
  return {
    id: key.padEnd(16, '0').slice(0, 16),
    product: 'acme/lib',
    facet: 'build',
    kind: 'build.trigger',
    params: {},
    reason: 'test',
    dependsOn: [],
    idempotencyKey: key,
    changeClass: 'change',
  } as Action;
}

describe('retention of the state', () => {
  it('removes old finished journal entries, superseded decisions, old plans, tofu plans but the newest, observations of products gone; audits it; the chain stays whole', () => {
    const { dir, cleanup } = tempDir('cm-retention-');
    cleanups.push(cleanup);
    const path = join(dir, 'state.db');
    const store = openStore(path);
    try {
      for (const [key, at] of [
        ['aaaa', day(1)],
        ['bbbb', day(90)],
      ] as const) {
        store.beginAction(action(key), { planId: null, runId: 'r', now: at });
        store.finishAction(key, { state: 'succeeded', result: null }, at);
      }
      store.beginAction(action('cccc'), { planId: null, runId: 'r', now: day(1) });
      const verdict = { effect: 'allow', rules: [] } as never;
      store.recordDecisions([
        {
          actionId: 'x',
          product: 'acme/lib',
          kind: 'build.trigger',
          inputsHash: 'h1',
          constitutionRevision: 'c',
          verdict,
          at: day(1).toISOString(),
        },
        {
          actionId: 'x',
          product: 'acme/lib',
          kind: 'build.trigger',
          inputsHash: 'h2',
          constitutionRevision: 'c',
          verdict,
          at: day(2).toISOString(),
        },
        {
          actionId: 'y',
          product: 'acme/lib',
          kind: 'build.trigger',
          inputsHash: 'h3',
          constitutionRevision: 'c',
          verdict,
          at: day(1).toISOString(),
        },
      ]);
      store.savePlan('p'.repeat(64), { old: true }, day(1));
      store.savePlan('q'.repeat(64), { old: false }, day(90));
      store.saveObservation('acme/gone', 'build', { old: true }, day(1));
      store.saveObservation('acme/lib', 'build', { old: true }, day(1));
      const plans = openTofuPlanStore(path);
      const file = join(dir, 'plan.bin');
      writeFileSync(file, 'plan bytes');
      const summary = { add: 0, change: 0, destroy: 0 };
      const older = plans.save({ product: 'acme/site', file, fingerprint: 'f1', summary, createdAt: day(1) });
      const newest = plans.save({
        product: 'acme/site',
        file,
        fingerprint: 'f2',
        summary,
        createdAt: day(2),
      });
      const only = plans.save({ product: 'acme/other', file, fingerprint: 'f3', summary, createdAt: day(1) });

      const before = {
        journal: day(50),
        plans: day(50),
        tofuPlans: day(50),
        observations: day(50),
        products: ['acme/lib'],
      };
      const counts = store.prune(before, TEST_NOW);
      expect(counts).toEqual({ journal: 1, decisions: 1, plans: 1, tofuPlans: 1, observations: 1 });
      expect(store.journal({}).map((entry) => `${entry.idempotencyKey} ${entry.state}`)).toEqual([
        'cccc intent',
        'bbbb succeeded',
      ]);
      expect(
        store
          .decisions({})
          .map((decision) => decision.inputsHash)
          .sort(),
      ).toEqual(['h2', 'h3']);
      expect(store.plan('p'.repeat(64))).toBeUndefined();
      expect(store.plan('q'.repeat(64))).toBeDefined();
      expect(store.observation('acme/gone', 'build')).toBeUndefined();
      expect(store.observation('acme/lib', 'build')).toBeDefined();
      expect(plans.get(older.id)).toBeUndefined();
      expect(plans.get(newest.id)).toBeDefined();
      expect(plans.get(only.id)).toBeDefined();
      plans.close();

      const audit = store.audit({ limit: 100 });
      expect(audit.at(-1)).toMatchObject({ type: 'retention.pruned', data: counts });
      expect(store.verifyAudit()).toMatchObject({ ok: true });
      // Nothing left to remove: no second audit entry.
      store.prune(before, TEST_NOW);
      expect(store.audit({ limit: 100 })).toHaveLength(audit.length);
    } finally {
      store.close();
    }
  });
});

describe('retention of local builds', () => {
  /** A commit folder with one build record. */
  function build(
    ciDir: string,
    commit: string,
    record: { state: string; queuedAt: Date; finishedAt?: Date },
  ) {
    const dir = join(ciDir, 'builds', 'acme', 'lib', commit, '20261126T120000000Z-00000a');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'record.json'),
      JSON.stringify({
        product: 'acme/lib',
        commit,
        state: record.state,
        buildId: '20261126T120000000Z-00000a',
        startedAt: record.queuedAt.toISOString(),
        queuedAt: record.queuedAt.toISOString(),
        ...(record.finishedAt ? { finishedAt: record.finishedAt.toISOString() } : {}),
      }),
    );
    writeFileSync(join(dir, 'log.txt'), 'log\n');
  }

  it('keeps the newest commits of a product, and older ones while young or still building', async () => {
    const { dir: ciDir, cleanup } = tempDir('cm-retention-ci-');
    cleanups.push(cleanup);
    const commit = (n: number) => String(n).repeat(40);
    build(ciDir, commit(1), { state: 'succeeded', queuedAt: day(1), finishedAt: day(1) });
    build(ciDir, commit(2), { state: 'running', queuedAt: day(2) });
    build(ciDir, commit(3), { state: 'failed', queuedAt: day(95), finishedAt: day(95) });
    build(ciDir, commit(4), { state: 'succeeded', queuedAt: day(96), finishedAt: day(96) });
    build(ciDir, commit(5), { state: 'succeeded', queuedAt: day(97), finishedAt: day(97) });
    const removed = await pruneBuilds(ciDir, { keep: 2, maxAgeMs: 30 * DAY }, TEST_NOW);
    expect(removed).toBe(1);
    // 5 and 4 are the newest two; 3 is young; 2 still runs; 1 is old and done.
    expect(readdirSync(join(ciDir, 'builds', 'acme', 'lib')).sort()).toEqual(
      [commit(2), commit(3), commit(4), commit(5)].sort(),
    );
    expect(
      readdirSync(join(ciDir, 'builds', 'acme', 'lib', commit(2), '20261126T120000000Z-00000a')),
    ).toContain('record.json');
  });
});

describe('retention in the daemon', () => {
  it('sweeps in the background: old builds and journal entries go, the audit chain stays whole', async () => {
    const repo = await createFleetRepo([{ org: 'acme', name: 'lib' }]);
    cleanups.push(() => repo.cleanup());
    const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
    writeFileSync(
      fleetYaml,
      `${readFileSync(fleetYaml, 'utf8').replace('reconcile: { concurrency: 2 }', 'reconcile: { concurrency: 2, interval: 1s }')}  retention:\n    builds: { keep: 1, maxAge: 1ms }\n    journal: { maxAge: 1ms }\n`,
    );
    await repo.commitFleet('keep little');
    const stop = new AbortController();
    // Far ahead of the machine's clock, which the local runner's build records are written with.
    const daemon = await startDaemon({
      fleet: repo.fleetDir,
      cwd: repo.root,
      env: process.env,
      logger: createLogger({ level: 'silent' }),
      clock: clockFrom('2100-01-01T00:00:00Z'),
      host: '127.0.0.1',
      port: 0,
      signal: stop.signal,
      sweepEveryMs: 200,
    });
    try {
      const builds = join(repo.fleetDir, '.codemonkeys/ci/builds/acme/lib');
      await until('the first build', () => existsSync(builds) && readdirSync(builds).length === 1);
      const second = await repo.commitToProduct('acme', 'lib', 'README.md', '# lib 2\n');
      // The new head is built (the next look, a second later, finds it); the older commit's folder then goes.
      await until(
        'only the newest build left',
        () => {
          const left = existsSync(builds) ? readdirSync(builds) : [];
          return left.length === 1 && left[0] === second;
        },
        60_000,
      );
      const store = openStore(join(repo.fleetDir, '.codemonkeys/state.db'), { readonly: true });
      try {
        await until('the journal pruned', () => store.journal({}).length === 0, 30_000);
        expect(store.audit({ limit: 1000 }).some((entry) => entry.type === 'retention.pruned')).toBe(true);
        expect(store.verifyAudit()).toMatchObject({ ok: true });
      } finally {
        store.close();
      }
    } finally {
      stop.abort();
      await daemon.done;
    }
  }, 120_000);
});
