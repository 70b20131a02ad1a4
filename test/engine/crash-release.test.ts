import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI } from '../helpers/cli.js';
import type { FleetRepo } from '../helpers/fleet-repo.js';
import { expectEachKeySucceededOnce } from '../helpers/journal-checks.js';
import { mulberry32 } from '../helpers/random.js';
import { startVerdaccio, type Verdaccio } from '../helpers/registries/verdaccio.js';
import { commitConventional, createReleaseFleet, subjectsOf, tagsOf } from '../helpers/release-fleet.js';

/** Releases cut and published under fire; more with CODEMONKEYS_RELEASE_TRIALS. */
const TRIALS = Number(process.env.CODEMONKEYS_RELEASE_TRIALS ?? 8);
const SEED = Number(process.env.CODEMONKEYS_CRASH_SEED ?? 20261206);

let npm: Verdaccio;
let repo: FleetRepo;
beforeAll(async () => {
  await ensureBuilt();
  npm = await startVerdaccio();
  repo = await createReleaseFleet([
    {
      name: 'lib',
      files: { 'package.json': '{\n  "name": "@acme/crash",\n  "version": "0.0.0"\n}\n' },
      steps: ["node -e \"JSON.parse(require('fs').readFileSync('package.json'))\""],
      release: ['registries:', `  - { type: npm, url: "${npm.url}", token: { env: TEST_NPM_TOKEN } }`],
    },
  ]);
}, 120_000);
afterAll(async () => {
  repo?.cleanup();
  await npm?.stop();
});

function reconcileCli() {
  return execa('node', [CLI, '--fleet', repo.fleetDir, 'reconcile'], {
    cwd: repo.root,
    env: { TEST_NPM_TOKEN: npm.token },
    reject: false,
    stdin: 'ignore',
  });
}

/** A release.cut has made its worktree in its attempt folder (<state>/actions/<key>-<attempt>/cut). */
function cutUnderWay(): boolean {
  const actions = join(repo.fleetDir, '.codemonkeys/actions');
  if (!existsSync(actions)) return false;
  return readdirSync(actions).some((attempt) => existsSync(join(actions, attempt, 'cut')));
}

/** The versions of the package the registry holds. */
async function published(): Promise<string[]> {
  const response = await fetch(`${npm.url}/@acme%2fcrash`);
  if (response.status === 404) return [];
  return Object.keys(((await response.json()) as { versions: Record<string, unknown> }).versions).sort();
}

describe('the reconciler killed with SIGKILL while it cuts and publishes releases', () => {
  it(`tags each version once, commits it once and publishes it once (${TRIALS} trials, seed ${SEED})`, async () => {
    const random = mulberry32(SEED);
    const wanted: string[] = [];
    let undisturbedMs = 0;
    for (let n = 0; n <= TRIALS; n++) {
      await commitConventional(repo, 'lib', `feat: feature ${n}`, { [`f${n}.txt`]: `${n}\n` });
      wanted.push(`0.${n + 1}.0`);
      if (n === 0) {
        // An undisturbed first release: what the kill delays are drawn against.
        const started = performance.now();
        const first = await reconcileCli();
        undisturbedMs = performance.now() - started;
        expect(first.exitCode, first.stderr).toBe(0);
      } else {
        const tagsBefore = (await tagsOf(repo, 'lib')).size;
        const child = reconcileCli();
        const begun = performance.now();
        const mode = random();
        if (mode < 1 / 3) {
          // Any moment of a run.
          await sleep(Math.floor(random() * undisturbedMs * 1.2));
        } else if (mode < 2 / 3) {
          // While the cut is under way: its worktree is in its attempt folder.
          while (!cutUnderWay() && child.exitCode === null) await sleep(2);
          await sleep(Math.floor(random() * 60));
        } else {
          // Once the tag is pushed: the window of the release commit's build and of the publish.
          while ((await tagsOf(repo, 'lib')).size === tagsBefore && child.exitCode === null) await sleep(20);
          await sleep(Math.floor(random() * undisturbedMs * 0.6));
        }
        const delay = Math.round(performance.now() - begun);
        child.kill('SIGKILL');
        await child;
        const restarted = await reconcileCli();
        expect(
          restarted.exitCode,
          `trial ${n} (killed after ${delay} ms): ${restarted.stdout}${restarted.stderr}`,
        ).toBe(0);
      }
      const tags = [...(await tagsOf(repo, 'lib')).keys()].sort();
      expect(tags, `trial ${n}`).toEqual(wanted.map((version) => `v${version}`).sort());
      const releases = (await subjectsOf(repo, 'lib')).filter((subject) =>
        subject.startsWith('chore(release)'),
      );
      expect(releases.sort(), `trial ${n}: one release commit per version`).toEqual(
        wanted.map((version) => `chore(release): ${version}`).sort(),
      );
      expect(await published(), `trial ${n}`).toEqual([...wanted].sort());
    }
    const store = openStore(join(repo.fleetDir, '.codemonkeys/state.db'), { readonly: true });
    try {
      expectEachKeySucceededOnce(store);
      expect(store.journal({}).filter((entry) => entry.state === 'intent')).toEqual([]);
      const audit = store.audit({ limit: 100_000 });
      const kinds = new Map(
        audit
          .filter((entry) => entry.type === 'action.intent')
          .map((entry) => [entry.actionId, String((entry.data as { kind?: string }).kind)]),
      );
      const caught = audit
        .filter((entry) => entry.type === 'action.resumed' || entry.type === 'action.failed')
        .map((entry) => `${entry.type.slice('action.'.length)} ${kinds.get(entry.actionId) ?? '?'}`);
      const cuts = store
        .journal({})
        .filter((entry) => entry.kind === 'release.cut' && entry.finishedAt !== null)
        .map((entry) => Date.parse(entry.finishedAt as string) - Date.parse(entry.startedAt));
      console.info(
        `release trials: actions caught by a kill: ${caught.join(', ') || 'none'}; cuts took ${cuts.join(', ')} ms`,
      );
    } finally {
      store.close();
    }
  }, 900_000);
});
