import { describe, expect, it } from 'vitest';
import type { ReleaseObservation } from '../../../src/facets/release/observe.js';
import { planRelease, releaseState } from '../../../src/facets/release/plan.js';
import { registryId, registryLabel } from '../../../src/facets/release/registries.js';
import type { Product } from '../../../src/fleet/model.js';
import type { JournalEntry } from '../../../src/store/store.js';
import { productWith } from '../../backends/jenkins/product.js';

const HEAD = 'a'.repeat(40);
const TAGGED = 'b'.repeat(40);
const ELSEWHERE = 'e'.repeat(40);
const NPM = { type: 'npm' as const, url: 'http://127.0.0.1:4873' };

function releasing(build: boolean): Product {
  const product = productWith({ steps: ['true'] }, 'lib');
  const spec = { ...product.manifest.spec, release: { registries: [NPM] } };
  if (!build) delete (spec as { build?: unknown }).build;
  return { ...product, manifest: { ...product.manifest, spec } };
}

function observed(fields: Partial<ReleaseObservation>): ReleaseObservation {
  return {
    ci: 'local',
    repoUrl: '/repos/lib.git',
    branch: 'main',
    head: HEAD,
    tagFormat: 'v{version}',
    latest: { version: '1.0.0', tag: 'v1.0.0', commit: TAGGED },
    current: { version: '1.0.0', tag: 'v1.0.0', commit: TAGGED },
    commits: [],
    ignored: [],
    next: {
      next: null,
      bump: null,
      deciding: [],
      why: 'no commit since v1.0.0 releases anything',
      notes: [],
    },
    builds: { [HEAD]: 'green', [TAGGED]: 'green' },
    ...fields,
  };
}

const due: Partial<ReleaseObservation> = {
  next: {
    next: '1.1.0',
    bump: 'minor',
    deciding: ['f'.repeat(40)],
    why: 'feat in 1 commit: minor',
    notes: [],
  },
  cut: { version: '1.1.0', tag: 'v1.1.0', notes: '## 1.1.0\n' },
};

const PUBLISH_KEY = 'release.publish:acme/lib:npm:http://127.0.0.1:4873:1.0.0';
const published = (key: string): JournalEntry | undefined =>
  key === PUBLISH_KEY
    ? ({ state: 'succeeded', finishedAt: '2026-11-26T12:00:00Z' } as JournalEntry)
    : undefined;
const none = (): JournalEntry | undefined => undefined;

describe('planRelease', () => {
  it.each([
    ['green', true],
    ['red', true],
    ['running', false],
    ['none', false],
  ])('with the head built %s, cuts the release: %s', (build, cuts) => {
    const plan = planRelease(
      releasing(true),
      observed({ ...due, builds: { [HEAD]: build, [TAGGED]: 'green' } }),
      {
        journal: published,
      },
    );
    const cut = plan.actions.find((action) => action.kind === 'release.cut');
    if (!cuts) {
      expect(cut).toBeUndefined();
      expect(plan.status).toMatchObject({
        state: 'progressing',
        reason: 'WaitingForBuild',
        requeueAfterMs: 2000,
      });
      return;
    }
    expect(cut).toEqual({
      kind: 'release.cut',
      params: {
        version: '1.1.0',
        tag: 'v1.1.0',
        base: HEAD,
        branch: 'main',
        previousTag: 'v1.0.0',
        bump: 'minor',
        decidedBy: ['f'.repeat(40)],
        notes: '## 1.1.0\n',
      },
      reason: 'release 1.1.0 from main@aaaaaaa: feat in 1 commit: minor',
      idempotencyKey: 'release.cut:acme/lib:1.1.0',
      changeClass: 'publish',
      observed: { build },
    });
  });

  it('does not wait for a build when the product has none', () => {
    const plan = planRelease(releasing(false), observed({ ...due, builds: { [HEAD]: 'none' } }), {
      journal: published,
    });
    expect(plan.actions.map((action) => action.kind)).toContain('release.cut');
  });

  it('cuts again under a derived key when the journal says the version was cut and it is due again (the repo was reset)', () => {
    const journal = (key: string) =>
      key === 'release.cut:acme/lib:1.1.0'
        ? ({ state: 'succeeded', finishedAt: '2026-11-26T12:00:00Z' } as JournalEntry)
        : published(key);
    const plan = planRelease(releasing(true), observed(due), { journal });
    expect(plan.actions[0]?.idempotencyKey).toBe('release.cut:acme/lib:1.1.0:again:2026-11-26T12:00:00Z');
  });

  it('stalls when the next tag exists at a commit that is not on the branch, naming both commits', () => {
    const existing = { version: '1.1.0', tag: 'v1.1.0', commit: ELSEWHERE };
    const plan = planRelease(
      releasing(true),
      observed({ ...due, cut: { ...(due.cut as NonNullable<ReleaseObservation['cut']>), existing } }),
      {
        journal: published,
      },
    );
    expect(plan.actions).toEqual([]);
    expect(plan.status.state).toBe('stalled');
    expect(plan.status.reason).toBe('ReleaseTagConflict');
    expect(plan.status.message).toContain(ELSEWHERE.slice(0, 12));
    expect(plan.status.message).toContain(HEAD.slice(0, 12));
  });

  it('publishes the newest release to each registry once its commit built green, until the journal says it is published', () => {
    const plan = planRelease(releasing(true), observed({}), { journal: none });
    expect(plan.actions).toEqual([
      {
        kind: 'release.publish',
        params: { registry: 0, type: 'npm', version: '1.0.0', tag: 'v1.0.0', commit: TAGGED },
        reason: 'publish 1.0.0 to npm at http://127.0.0.1:4873',
        idempotencyKey: PUBLISH_KEY,
        changeClass: 'publish',
        observed: { build: 'green' },
      },
    ]);
    const waiting = planRelease(
      releasing(true),
      observed({ builds: { [HEAD]: 'green', [TAGGED]: 'running' } }),
      {
        journal: none,
      },
    );
    expect(waiting.actions).toEqual([]);
    expect(waiting.status.reason).toBe('WaitingForBuild');
    const done = planRelease(releasing(true), observed({}), { journal: published });
    expect(done.actions).toEqual([]);
    expect(done.status).toMatchObject({ state: 'ready' });
    expect(done.status.message).toContain('1.0.0 is published to npm at http://127.0.0.1:4873');
  });
});

describe('a release whose commit the branch moved past before it was built', () => {
  it('asks for a build of that commit, which its publish then waits for', () => {
    const moved = observed({ builds: { [HEAD]: 'green', [TAGGED]: 'none' } });
    const plan = planRelease(releasing(true), moved, { journal: none });
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({
      kind: 'build.trigger',
      params: { ci: 'local', commit: TAGGED, branch: 'main', steps: ['true'] },
      idempotencyKey: `build.trigger:acme/lib@${TAGGED}`,
    });
    expect(plan.status.reason).toBe('ReleaseBuildNeeded');
    // Published already: nothing to build for.
    expect(planRelease(releasing(true), moved, { journal: published }).actions).toEqual([]);
  });
});

describe('releaseState', () => {
  it.each([
    [observed({}), 'current'],
    [observed(due), 'releasable'],
    [
      observed({
        cut: {
          version: '1.1.0',
          tag: 'v1.1.0',
          notes: '',
          existing: { version: '1.1.0', tag: 'v1.1.0', commit: ELSEWHERE },
        },
      }),
      'conflict',
    ],
  ])('%#: %s', (value, word) => {
    expect(releaseState(value)).toBe(word);
  });
});

describe('registryLabel and registryId', () => {
  it('never show a user or password written into a registry URL', () => {
    const registry = { type: 'npm' as const, url: 'https://bot:s3cret@registry.example.com/npm/' };
    expect(registryLabel(registry)).toBe('npm at https://registry.example.com/npm');
    expect(registryId(registry)).toBe('npm:https://registry.example.com/npm');
    expect(registryLabel({ type: 'pypi' })).toBe('pypi at https://pypi.org');
  });
});

describe('publishing while a newer release is due', () => {
  it('publishes nothing older: the release about to be cut is the one to publish', () => {
    const plan = planRelease(
      releasing(true),
      observed({ ...due, builds: { [HEAD]: 'running', [TAGGED]: 'none' } }),
      {
        journal: none,
      },
    );
    expect(plan.actions).toEqual([]);
    expect(plan.status.reason).toBe('WaitingForBuild');
  });
});
