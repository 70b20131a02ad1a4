import { describe, expect, it } from 'vitest';
import type { DeployObservation, EnvironmentObservation } from '../../../src/facets/deploy/observe.js';
import { deployState, planDeploy } from '../../../src/facets/deploy/plan.js';
import type { JournalEntry } from '../../../src/store/store.js';
import { productWith } from '../../backends/jenkins/product.js';

const product = productWith({ steps: ['true'] });
const RELEASE = { version: '1.2.0', tag: 'v1.2.0', commit: 'c'.repeat(40) };
const clean = { changed: [], failed: [], hosts: 1 };

function env(fields: Partial<EnvironmentObservation>): EnvironmentObservation {
  return { environment: 'staging', wanted: 'latest', running: {}, release: RELEASE, check: clean, ...fields };
}
const observed = (...environments: EnvironmentObservation[]): DeployObservation => ({ environments });

describe('planDeploy', () => {
  it('is ready when every check is clean, and names what runs where', () => {
    const plan = planDeploy(product, observed(env({}), env({ environment: 'prod', wanted: '1.2.0' })));
    expect(plan).toEqual({
      actions: [],
      status: { state: 'ready', reason: 'Deployed', message: 'staging runs 1.2.0; prod runs 1.2.0' },
    });
  });

  it('deploys where the check would change something, with the environment for the constitution', () => {
    const drifted = env({
      running: { web1: '1.1.0' },
      check: { changed: [{ host: 'web1', task: 'Copy the site' }], failed: [], hosts: 1 },
    });
    const plan = planDeploy(product, observed(drifted));
    expect(plan.actions).toEqual([
      {
        kind: 'deploy.apply',
        environment: 'staging',
        params: { environment: 'staging', version: '1.2.0', tag: 'v1.2.0', commit: RELEASE.commit },
        reason: 'deploy 1.2.0 to staging (runs 1.1.0): Copy the site on web1 would change',
        idempotencyKey: 'deploy.apply:acme/widget:staging:1.2.0',
        changeClass: 'change',
      },
    ]);
    expect(plan.status.state).toBe('progressing');
    expect(deployState(observed(drifted))).toBe('drifted');
  });

  it('deploys again under a new key when drift comes back after a deploy succeeded', () => {
    const journal = (key: string) =>
      key === 'deploy.apply:acme/widget:staging:1.2.0'
        ? ({ state: 'succeeded', finishedAt: '2026-11-26T10:00:00.000Z' } as JournalEntry)
        : undefined;
    const drifted = env({ check: { changed: [{ host: 'h', task: 't' }], failed: [], hosts: 1 } });
    expect(planDeploy(product, observed(drifted), { journal }).actions[0]?.idempotencyKey).toBe(
      'deploy.apply:acme/widget:staging:1.2.0:again:2026-11-26T10:00:00.000Z',
    );
  });

  it.each([
    [
      'a failing check',
      env({ check: { changed: [], failed: [{ host: 'h', task: 'Copy', message: 'denied' }], hosts: 1 } }),
      'stalled',
      'DeployCheckFailed',
      'failing',
    ],
    [
      'nothing released for latest',
      env({ release: undefined, check: undefined }),
      'ready',
      'NothingReleased',
      'unreleased',
    ],
    [
      'a pinned version with no tag',
      env({ wanted: '9.9.9', release: undefined, check: undefined }),
      'stalled',
      'ReleaseNotFound',
      'unreleased',
    ],
  ])('reports %s without acting', (_name, environment, state, reason, word) => {
    const plan = planDeploy(product, observed(environment));
    expect(plan.actions).toEqual([]);
    expect(plan.status).toMatchObject({ state, reason });
    expect(deployState(observed(environment))).toBe(word);
  });
});
