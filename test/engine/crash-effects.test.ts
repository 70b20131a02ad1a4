import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI } from '../helpers/cli.js';
import { createEffectsFleet, type EffectsFleet } from '../helpers/effects-fleet.js';
import { expectEachKeySucceededOnce } from '../helpers/journal-checks.js';
import { mulberry32 } from '../helpers/random.js';

/** Trials over the three kinds together (a third each); more with CODEMONKEYS_EFFECT_TRIALS. */
const TRIALS = Number(process.env.CODEMONKEYS_EFFECT_TRIALS ?? 51);
const SEED = Number(process.env.CODEMONKEYS_CRASH_SEED ?? 20261206);

type Kind = 'builds' | 'deploys' | 'infra';

/** How long each effect pauses once begun: the window a kill lands in while it is under way. */
const PAUSE_S = 0.5;

/** What one trial changes, so that exactly one effect of its kind is due. */
interface Subject {
  kind: Kind;
  fleet: EffectsFleet;
  /** Makes the change of trial `n`; returns the effect line it should leave. */
  change(n: number): Promise<string>;
  /** The effect lines wanted so far. */
  wanted: string[];
}

const subjects: Subject[] = [];
beforeAll(async () => {
  await ensureBuilt();
  const build = await createEffectsFleet({ build: true }, PAUSE_S);
  const deploy = await createEffectsFleet({ deploy: true }, PAUSE_S);
  const infra = await createEffectsFleet({ infra: true }, PAUSE_S);
  subjects.push(
    {
      kind: 'builds',
      fleet: build,
      change: (n) => build.commitToProduct('acme', 'app', 'README.md', `# app ${n}\n`),
      wanted: [],
    },
    {
      kind: 'deploys',
      fleet: deploy,
      async change(n) {
        await deploy.release(`1.0.${n}`);
        return `1.0.${n}`;
      },
      wanted: [],
    },
    {
      kind: 'infra',
      fleet: infra,
      async change(n) {
        await infra.round(String(n + 1));
        return String(n + 1);
      },
      wanted: ['0'],
    },
  );
}, 120_000);
afterAll(() => {
  for (const subject of subjects) subject.fleet.cleanup();
});

/** `codemonkeys reconcile` of the fleet, as a user (or systemd) runs it. */
function reconcileCli(fleet: EffectsFleet) {
  return execa('node', [CLI, '--fleet', fleet.fleetDir, 'reconcile'], {
    cwd: fleet.root,
    reject: false,
    stdin: 'ignore',
  });
}

/**
 * One kind's trials: change, start `codemonkeys reconcile`, SIGKILL it after a seeded delay,
 * restart it and let it converge. Killed and restarted runs are the same program with the same
 * (the machine's) clock, as in real life.
 */
async function trials(subject: Subject, count: number, random: () => number): Promise<void> {
  const { fleet, kind } = subject;
  // An undisturbed first run: what the kill delays are drawn against (and the infra's round 0).
  const started = performance.now();
  const first = await reconcileCli(fleet);
  const undisturbedMs = performance.now() - started;
  expect(first.exitCode, first.stderr).toBe(0);
  subject.wanted = fleet.count(kind);
  for (let n = 0; n < count; n++) {
    subject.wanted.push(await subject.change(n));
    const child = reconcileCli(fleet);
    const begun = performance.now();
    if (random() < 0.5) {
      // Any moment up to half again as long as an undisturbed run: before, during or after each step.
      await sleep(Math.floor(random() * undisturbedMs * 1.5));
    } else {
      // While the effect is under way: it has begun (its line is there), its pause not yet over.
      const due = subject.wanted.length;
      while (fleet.count(kind).length < due && child.exitCode === null && performance.now() - begun < 60_000)
        await sleep(10);
      await sleep(Math.floor(random() * PAUSE_S * 1000));
    }
    const delay = Math.round(performance.now() - begun);
    child.kill('SIGKILL');
    await child;
    const restarted = await reconcileCli(fleet);
    const label = `${kind} trial ${n} (killed after ${delay} ms)`;
    expect(restarted.exitCode, `${label}: ${restarted.stdout}${restarted.stderr}`).toBe(0);
    expect(fleet.count(kind), `${label}: every effect exactly once`).toEqual(subject.wanted);
  }
}

/** The state after all trials: audit intact, each key succeeded once, no intent left; how often a kill caught an action running. */
function auditHolds(fleet: EffectsFleet, kind: Kind): void {
  const store = openStore(join(fleet.fleetDir, '.codemonkeys/state.db'), { readonly: true });
  try {
    const succeeded = expectEachKeySucceededOnce(store);
    expect(store.journal({}).filter((entry) => entry.state === 'intent')).toEqual([]);
    const types = store.audit({ limit: 100_000 }).map((entry) => entry.type);
    const count = (type: string) => types.filter((each) => each === type).length;
    console.info(
      `${kind}: ${succeeded} actions succeeded, ${count('action.resumed')} resumed after a kill, ${count('action.failed')} failed (abandoned before they acted)`,
    );
  } finally {
    store.close();
  }
}

describe('the reconciler killed with SIGKILL at seeded random moments, effects counted outside', () => {
  it(`builds, deploys and infra applies each take effect exactly once (${TRIALS} trials, seed ${SEED})`, async () => {
    const perKind = Math.ceil(TRIALS / subjects.length);
    await Promise.all(subjects.map((subject, index) => trials(subject, perKind, mulberry32(SEED + index))));
    for (const subject of subjects) auditHolds(subject.fleet, subject.kind);
  }, 1_200_000);
});
