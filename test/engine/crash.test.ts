import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI } from '../helpers/cli.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { expectEachKeySucceededOnce } from '../helpers/journal-checks.js';
import { mulberry32 } from '../helpers/random.js';
import { reconcileRepo } from '../helpers/reconcile-repo.js';

const TRIALS = Number(process.env.CODEMONKEYS_CRASH_TRIALS ?? 10);
const SEED = Number(process.env.CODEMONKEYS_CRASH_SEED ?? 20261126);
const PRODUCTS = ['alpha', 'beta', 'gamma'];

let repo: FleetRepo;
beforeAll(async () => {
  await ensureBuilt();
  repo = await createFleetRepo(
    PRODUCTS.map((name, index) => ({
      org: 'acme',
      name,
      steps: ['sleep 0.2', 'test -f README.md'],
      extra: index > 0 ? `  dependsOn: [acme/${PRODUCTS[index - 1]}]\n` : '',
    })),
  );
}, 120_000);
afterAll(() => repo?.cleanup());

describe('the reconciler killed with SIGKILL at random points', () => {
  it(`restarts and converges, never running an idempotency key twice, audit intact (${TRIALS} seeded trials)`, async () => {
    const random = mulberry32(SEED);
    for (let trial = 0; trial < TRIALS; trial++) {
      for (const name of PRODUCTS)
        await repo.commitToProduct('acme', name, 'README.md', `# ${name} ${trial}\n`);
      const child = execa('node', [CLI, '--fleet', repo.fleetDir, 'reconcile'], {
        cwd: repo.root,
        reject: false,
        stdin: 'ignore',
      });
      const delay = Math.floor(random() * 1500);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await child;
      const result = await reconcileRepo(repo);
      expect(result.converged, `trial ${trial} (killed after ${delay} ms) did not converge`).toBe(true);
      for (const [product, conditions] of result.conditions) {
        expect(
          conditions.find((c) => c.type === 'Ready')?.status,
          `trial ${trial}: ${product} not Ready`,
        ).toBe('True');
      }
    }
    const store = openStore(join(repo.fleetDir, '.codemonkeys/state.db'), { readonly: true });
    try {
      // Not one per commit: a trigger killed after its worker started leaves an intent, and the
      // restart may find that build already green, with nothing left to run under the key.
      // That every commit was built is checked below, from the builds themselves.
      expect(expectEachKeySucceededOnce(store)).toBeGreaterThanOrEqual(TRIALS);
    } finally {
      store.close();
    }
    // Every commit was built exactly once, apart from runs aborted before their worker started.
    for (const name of PRODUCTS) {
      const commits = join(repo.fleetDir, '.codemonkeys/ci/builds/acme', name);
      const dirs = readdirSync(commits);
      expect(dirs).toHaveLength(TRIALS);
      for (const commit of dirs) {
        const runs = readdirSync(join(commits, commit)).filter((run) =>
          existsSync(join(commits, commit, run, 'record.json')),
        );
        const states = runs.map(
          (run) =>
            (JSON.parse(readFileSync(join(commits, commit, run, 'record.json'), 'utf8')) as { state: string })
              .state,
        );
        expect(
          states.filter((state) => state !== 'aborted'),
          `${name}@${commit}: ${states}`,
        ).toEqual(['succeeded']);
      }
    }
  }, 600_000);
});
