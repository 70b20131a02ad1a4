import { describe, expect, it } from 'vitest';
import {
  type BuildRecord,
  type BuildSpecHash,
  buildSpecOf,
  hashBuildSpec,
} from '../../../src/backends/ci.js';
import type { BuildObservation } from '../../../src/facets/build/observe.js';
import { planBuild } from '../../../src/facets/build/plan.js';
import type { Product } from '../../../src/fleet/model.js';
import type { JournalEntry } from '../../../src/store/store.js';
import { productWith } from '../../backends/jenkins/product.js';

const HEAD = 'a'.repeat(40);
const BUILT = { steps: ['npm ci', 'npm test'], timeout: '10m', env: { CI: 'true' } };

function specOf(build: unknown): BuildSpecHash {
  return hashBuildSpec(buildSpecOf(productWith(build), 'local'));
}

/** The head built by the local runner in `state`, with the spec `spec` (none: a record from before specs were kept). */
function observed(state: BuildRecord['state'] | 'none', spec?: BuildSpecHash): BuildObservation {
  const build: BuildRecord = {
    product: 'acme/widget',
    commit: HEAD,
    state: state === 'none' ? 'succeeded' : state,
    buildId: 'run-1',
    startedAt: '2026-11-26T12:00:00.000Z',
    durationMs: 4200,
    logRef: '/log',
  };
  if (spec) build.spec = spec;
  return {
    ci: 'local',
    repoUrl: '/repos/widget.git',
    branch: 'main',
    head: HEAD,
    build: state === 'none' ? null : build,
  };
}

const succeeded = (key: string) => ({ idempotencyKey: key, state: 'succeeded' }) as unknown as JournalEntry;

describe('hashBuildSpec', () => {
  const hash = (build: unknown) => specOf(build).hash;

  it.each([
    {
      what: 'timeouts written two ways',
      a: { steps: ['make'], timeout: '90s' },
      b: { steps: ['make'], timeout: '1m30s' },
    },
    {
      what: 'the default timeout, said or not',
      a: { steps: ['make'] },
      b: { steps: ['make'], timeout: '30m' },
    },
    {
      what: 'env in another key order',
      a: { steps: ['make'], env: { A: '1', B: { env: 'B_TOKEN' } } },
      b: { steps: ['make'], env: { B: { env: 'B_TOKEN' }, A: '1' } },
    },
  ])('is the same for $what', ({ a, b }) => {
    expect(hash(a)).toBe(hash(b));
  });

  it.each([
    { field: 'steps', a: { steps: ['make'] }, b: { steps: ['make', 'make test'] } },
    { field: 'env', a: { steps: ['make'], env: { A: '1' } }, b: { steps: ['make'], env: { A: '2' } } },
    {
      field: 'env',
      a: { steps: ['make'], env: { T: { env: 'ONE' } } },
      b: { steps: ['make'], env: { T: { env: 'TWO' } } },
    },
    { field: 'timeout', a: { steps: ['make'], timeout: '5m' }, b: { steps: ['make'], timeout: '6m' } },
  ])('tells a change of $field by that field alone', ({ field, a, b }) => {
    const [before, after] = [specOf(a), specOf(b)];
    expect(after.hash).not.toBe(before.hash);
    const changed = Object.keys(after.fields).filter(
      (name) =>
        after.fields[name as keyof typeof after.fields] !== before.fields[name as keyof typeof before.fields],
    );
    expect(changed).toEqual([field]);
  });

  it('tells the backend apart, and is made of short hex hashes', () => {
    const product = productWith({ steps: ['make'] });
    const local = hashBuildSpec(buildSpecOf(product, 'local'));
    const jenkins = hashBuildSpec(buildSpecOf(product, 'jenkins'));
    expect(jenkins.hash).not.toBe(local.hash);
    expect(local.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(Object.values(local.fields).every((each) => /^[0-9a-f]{8}$/.test(each))).toBe(true);
  });
});

describe('planBuild when the build spec changed since the head was built', () => {
  const product: Product = productWith(BUILT);
  const wanted = specOf(BUILT);

  it('plans nothing for a head built green with the spec as it is', () => {
    expect(planBuild(product, observed('succeeded', wanted))).toMatchObject({
      actions: [],
      status: { state: 'ready', reason: 'BuildSucceeded' },
    });
  });

  it.each([
    { what: 'its steps', before: { ...BUILT, steps: ['npm test'] }, named: '(steps)' },
    { what: 'its env', before: { ...BUILT, env: { CI: 'false' } }, named: '(env)' },
    { what: 'its timeout', before: { ...BUILT, timeout: '5m' }, named: '(timeout)' },
    { what: 'steps and env', before: { ...BUILT, steps: ['make'], env: {} }, named: '(steps, env)' },
  ])('builds the head again when $what changed, saying which', ({ before, named }) => {
    const { actions, status } = planBuild(product, observed('succeeded', specOf(before)));
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      kind: 'build.trigger',
      reason: `the build spec changed since main@aaaaaaa was built ${named}`,
      idempotencyKey: `build.trigger:acme/widget@${HEAD}:spec:${wanted.hash}`,
      params: { commit: HEAD, steps: BUILT.steps, env: BUILT.env, timeoutMs: 600_000, spec: wanted },
    });
    expect(status).toMatchObject({ state: 'progressing', reason: 'BuildNeeded' });
  });

  it('takes a build recorded without a spec (before the upgrade) as built with the current one', () => {
    expect(planBuild(product, observed('succeeded')).actions).toEqual([]);
    expect(planBuild(productWith({ ...BUILT, steps: ['other'] }), observed('succeeded')).actions).toEqual([]);
  });

  it('tries a changed spec on a head that failed, and stalls on a failure with the spec as it is', () => {
    const failedBefore = planBuild(product, observed('failed', specOf({ ...BUILT, steps: ['false'] })));
    expect(failedBefore.actions.map((action) => action.reason)).toEqual([
      'the build spec changed since main@aaaaaaa was built (steps)',
    ]);
    expect(planBuild(product, observed('failed', wanted))).toMatchObject({
      actions: [],
      status: { state: 'stalled', reason: 'BuildFailed' },
    });
  });

  it('waits for a build still running with the old spec, and says the head is built again after it', () => {
    const { actions, status } = planBuild(product, observed('running', specOf({ ...BUILT, steps: ['x'] })));
    expect(actions).toEqual([]);
    expect(status).toMatchObject({
      state: 'progressing',
      reason: 'BuildRunning',
      message:
        'build run-1 of main@aaaaaaa is running, with an earlier build spec (steps): it is built again once this one ends',
    });
  });

  it('names no field for a record whose spec says none of them', () => {
    const foreign = { hash: '0123456789ab', fields: {} };
    expect(planBuild(product, observed('succeeded', foreign)).actions[0]?.reason).toBe(
      'the build spec changed since main@aaaaaaa was built',
    );
  });

  it('builds again for a spec the head was built with before (changed, then changed back)', () => {
    const key = `build.trigger:acme/widget@${HEAD}:spec:${wanted.hash}`;
    const journal = (asked: string) => (asked === key ? succeeded(key) : undefined);
    const [action] = planBuild(product, observed('succeeded', specOf({ ...BUILT, steps: ['x'] })), {
      journal,
    }).actions;
    expect(action?.idempotencyKey).toMatch(new RegExp(`^${key}:again:`));
    expect(action?.reason).toBe('the build spec changed since main@aaaaaaa was built (steps)');
  });

  it('carries the spec with the first build of a head, under the key it always had', () => {
    const [action] = planBuild(product, observed('none')).actions;
    expect(action).toMatchObject({
      idempotencyKey: `build.trigger:acme/widget@${HEAD}`,
      reason: 'no build of main@aaaaaaa yet',
      params: { spec: wanted },
    });
  });

  it('carries a secret env entry as its reference, never a value', () => {
    const secret = productWith({ steps: ['npm publish'], env: { NPM_TOKEN: { env: 'ACME_NPM_TOKEN' } } });
    const [action] = planBuild(secret, observed('none')).actions;
    expect(action?.params.env).toEqual({ NPM_TOKEN: { env: 'ACME_NPM_TOKEN' } });
    expect(action?.params.spec).toEqual(hashBuildSpec(buildSpecOf(secret, 'local')));
  });
});
