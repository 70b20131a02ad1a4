import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_TTL_MS } from '../../src/engine/lease.js';
import { reconcile, reconcileExitCode } from '../../src/engine/reconcile.js';
import { InvalidFleetError } from '../../src/engine/runtime.js';
import { applyPlan, computePlan, StalePlanError } from '../../src/engine/whole-plan.js';
import { createLogger } from '../../src/log/logger.js';
import { ensureBuilt } from '../helpers/build.js';
import { TEST_NOW as NOW, testClock } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { reconcileRepo, repoRuntime } from '../helpers/reconcile-repo.js';

const logger = createLogger({ level: 'silent' });
const repos: FleetRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});
beforeAll(() => ensureBuilt(), 120_000);

async function fleet(...args: Parameters<typeof createFleetRepo>): Promise<FleetRepo> {
  const repo = await createFleetRepo(...args);
  repos.push(repo);
  return repo;
}

/** The fleet's runtime with its state opened read-only, as `plan` opens it. */
const readOnlyRuntime = (repo: FleetRepo) => repoRuntime(repo, true);

function run(repo: FleetRepo, options: { dryRun?: boolean; once?: boolean } = {}) {
  return reconcile({
    clock: testClock(),
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: process.env,
    logger,
    dryRun: Boolean(options.dryRun),
    once: Boolean(options.once),
    maxPasses: 60,
  });
}

const TWO = [
  { org: 'acme', name: 'lib' },
  { org: 'acme', name: 'app', extra: '  dependsOn: [acme/lib]\n' },
];

describe('reconcile over real git repositories and SQLite', () => {
  it('converges: builds every head once, then has nothing to do', async () => {
    const repo = await fleet(TWO);
    const first = await run(repo);
    expect(first.converged).toBe(true);
    expect(
      first.executed.map((action) => `${action.kind} ${action.product} ${action.outcome}`).sort(),
    ).toEqual(['build.trigger acme/app succeeded', 'build.trigger acme/lib succeeded']);
    for (const conditions of first.conditions.values()) {
      expect(conditions.find((condition) => condition.type === 'Ready')).toMatchObject({
        status: 'True',
        reason: 'Reconciled',
      });
    }
    const second = await run(repo);
    expect(second.executed).toEqual([]);
    expect(second.passes).toBe(1);
  });

  it('logs one decision per action and verdict, not one per pass', async () => {
    const constitution =
      'apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: r }\nspec:\n  rules:\n    - { id: ask, match: { products: [acme/lib] }, effect: require-approval }\n';
    const repo = await fleet([{ org: 'acme', name: 'lib' }], constitution);
    for (let index = 0; index < 3; index++) expect((await run(repo)).plan.summary.blocked).toBe(1);
    const runtime = await readOnlyRuntime(repo);
    try {
      expect(
        runtime.store.decisions({}).map((decision) => [decision.product, decision.verdict.effect]),
      ).toEqual([['acme/lib', 'require-approval']]);
    } finally {
      runtime.store.close();
    }
  });

  it('plans a build for a new commit to a product repo, and for a product added to the fleet', async () => {
    const repo = await fleet(TWO);
    await run(repo);
    const head = await repo.commitToProduct('acme', 'lib', 'README.md', '# lib, again\n');
    repo.writeProduct({ org: 'acme', name: 'lib2' });
    await repo.commitFleet('add lib2 (its repo does not exist)');
    const runtime = await readOnlyRuntime(repo);
    try {
      const { plan } = await computePlan({ runtime, dryRun: true, now: NOW });
      expect(plan.actions.map((action) => action.idempotencyKey)).toEqual([`build.trigger:acme/lib@${head}`]);
      expect(plan.products.find((product) => product.product === 'acme/lib2')?.facets.build).toMatchObject({
        state: 'error',
        next: 'transient',
      });
    } finally {
      runtime.store.close();
    }
  });

  it('a dry run writes nothing at all', async () => {
    const repo = await fleet(TWO);
    const result = await run(repo, { dryRun: true });
    expect(result.plan.dryRun).toBe(true);
    expect(result.executed).toEqual([]);
    // acme/app waits for acme/lib to be Ready: only lib's build could run now.
    expect(result.plan.summary.runnable).toBe(1);
    expect(existsSync(join(repo.fleetDir, '.codemonkeys'))).toBe(false);
  });

  it('never acts on an invalid revision of the fleet repo', async () => {
    const repo = await fleet(TWO);
    writeFileSync(
      join(repo.fleetDir, 'products/acme/lib.yaml'),
      readFileSync(join(repo.fleetDir, 'products/acme/lib.yaml'), 'utf8').replace('build:', 'biuld:'),
    );
    await expect(run(repo)).rejects.toBeInstanceOf(InvalidFleetError);
    expect(existsSync(join(repo.fleetDir, '.codemonkeys'))).toBe(false);
  });

  it('leaves a suspended product alone and reports it', async () => {
    const repo = await fleet([{ org: 'acme', name: 'lib', extra: '  suspend: true\n' }]);
    const result = await run(repo);
    expect(result.executed).toEqual([]);
    expect(result.plan.actions[0]?.blockedBy).toEqual([{ type: 'suspended' }]);
    expect(result.conditions.get('acme/lib')?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Suspended',
    });
  });

  it('stalls on a failing build with the failing step and its output', async () => {
    const repo = await fleet([
      { org: 'acme', name: 'lib', steps: ['echo preparing', 'echo "2 tests failed" >&2; exit 3'] },
    ]);
    const result = await run(repo);
    expect(result.converged).toBe(true);
    const stalled = result.conditions.get('acme/lib')?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'BuildFailed' });
    expect(stalled?.message).toMatch(/failed: step 2 `echo "2 tests failed" >&2; exit 3` exited 3/);
    expect(stalled?.message).toMatch(/2 tests failed/);
  });

  it('gives up for the run on a product whose repo stays unreachable, and converges the others', async () => {
    const repo = await fleet([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'lost' },
    ]);
    rmSync(join(repo.root, 'repos/acme/lost.git'), { recursive: true });
    const tries: number[] = [];
    const result = await reconcileRepo(repo, {
      backoff: (failures) => {
        tries.push(failures);
        return 10;
      },
      retries: 3,
    });
    expect(result.gaveUp).toEqual([
      {
        product: 'acme/lost',
        tries: 3,
        reason: 'RepoUnreachable',
        message: expect.stringMatching(/^build: /),
      },
    ]);
    expect(tries).toEqual([1, 2]);
    expect(result.converged).toBe(false);
    expect(result.executed.map((action) => `${action.product} ${action.outcome}`)).toEqual([
      'acme/lib succeeded',
    ]);
    const ready = (product: string) =>
      result.conditions.get(product)?.find((condition) => condition.type === 'Ready')?.status;
    expect(ready('acme/lib')).toBe('True');
    const stalled = result.conditions.get('acme/lost')?.find((condition) => condition.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'RetriesExhausted' });
    expect(stalled?.message).toMatch(/^gave up for this run after 3 tries: build: .* \(RepoUnreachable\)$/);
    expect(reconcileExitCode(result, { once: false, dryRun: false })).toBe(1);
    // What the status command shows is what the run wrote.
    const runtime = await readOnlyRuntime(repo);
    try {
      expect(runtime.store.conditions('acme/lost').get('acme/lost')).toEqual(
        result.conditions.get('acme/lost'),
      );
    } finally {
      runtime.store.close();
    }
  });

  it('refuses a saved plan that has gone stale', async () => {
    const repo = await fleet(TWO);
    const runtime = await repoRuntime(repo, false);
    runtime.store.acquireLease('t', LEASE_TTL_MS, NOW);
    try {
      const saved = (await computePlan({ runtime, dryRun: true, now: NOW })).plan;
      await repo.commitToProduct('acme', 'app', 'README.md', '# app 2\n');
      await expect(
        applyPlan({ runtime, runId: 't', expectPlanId: saved.id, now: NOW }),
      ).rejects.toBeInstanceOf(StalePlanError);
      expect(runtime.store.journal({})).toEqual([]);
      const fresh = (await computePlan({ runtime, dryRun: true, now: NOW })).plan;
      const applied = await applyPlan({ runtime, runId: 't', expectPlanId: fresh.id, now: NOW });
      // One pass: lib's build; app's waits for lib to be Ready at its head.
      expect(applied.executed.map((action) => `${action.product} ${action.outcome}`)).toEqual([
        'acme/lib succeeded',
      ]);
    } finally {
      runtime.store.close();
    }
  });

  it('reports a product removed from the fleet as orphaned and leaves it alone', async () => {
    const repo = await fleet(TWO);
    await run(repo);
    rmSync(join(repo.fleetDir, 'products/acme/app.yaml'));
    writeFileSync(
      join(repo.fleetDir, 'products/acme/lib.yaml'),
      readFileSync(join(repo.fleetDir, 'products/acme/lib.yaml'), 'utf8'),
    );
    await repo.commitFleet('remove app');
    const result = await run(repo);
    expect(result.plan.orphans).toEqual([expect.objectContaining({ product: 'acme/app', prune: false })]);
    expect(result.executed).toEqual([]);
  });

  it('prunes a removed product whose spec asked for it: its builds are deleted and it is forgotten', async () => {
    const repo = await fleet([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'gone', extra: '  prune: true\n' },
    ]);
    await run(repo);
    const builds = join(repo.fleetDir, '.codemonkeys/ci/builds/acme/gone');
    expect(existsSync(builds)).toBe(true);
    rmSync(join(repo.fleetDir, 'products/acme/gone.yaml'));
    await repo.commitFleet('remove gone');
    const result = await run(repo);
    expect(result.executed.map((action) => `${action.kind} ${action.product} ${action.outcome}`)).toEqual([
      'product.prune acme/gone succeeded',
    ]);
    expect(existsSync(builds)).toBe(false);
    const after = await run(repo);
    expect(after.plan.orphans).toEqual([]);
    expect(after.executed).toEqual([]);
  });

  it('plans from cached observations without touching the repositories', async () => {
    const repo = await fleet(TWO);
    await run(repo);
    rmSync(join(repo.root, 'repos'), { recursive: true });
    const runtime = await readOnlyRuntime(repo);
    try {
      const cached = await computePlan({
        runtime,
        dryRun: true,
        cachedObservations: true,
        now: NOW,
      });
      expect(cached.plan.actions).toEqual([]);
      expect(cached.plan.products.map((product) => product.facets.build?.state)).toEqual(['ready', 'ready']);
      const live = await computePlan({ runtime, dryRun: true, now: NOW });
      expect(live.plan.products.map((product) => product.facets.build?.reason)).toEqual([
        'RepoUnreachable',
        'RepoUnreachable',
      ]);
    } finally {
      runtime.store.close();
    }
  });

  it('keeps a secret out of the plan, the journal, the audit log and the build log', async () => {
    const secret = 'sk-live-9f8e7d6c5b4a';
    const repo = await fleet([
      { org: 'acme', name: 'lib', steps: ['echo "token is $API_TOKEN"'], extra: '' },
    ]);
    const spec = join(repo.fleetDir, 'products/acme/lib.yaml');
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace(
        'timeout: 1m }',
        'timeout: 1m, env: { API_TOKEN: { env: TEST_API_TOKEN } } }',
      ),
    );
    await repo.commitFleet('the build needs a token');
    const result = await reconcile({
      clock: testClock(),
      fleet: repo.fleetDir,
      cwd: repo.root,
      env: { ...process.env, TEST_API_TOKEN: secret },
      logger,
      dryRun: false,
      once: false,
      maxPasses: 60,
    });
    expect(result.converged).toBe(true);
    const state = join(repo.fleetDir, '.codemonkeys');
    const everything = [
      JSON.stringify(result),
      ...walk(state).map((file) => readFileSync(file).toString('latin1')),
    ].join('\n');
    expect(everything).toContain('token is [REDACTED]');
    expect(everything).not.toContain(secret);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : [],
  );
}
