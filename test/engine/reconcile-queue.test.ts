import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator } from '../emulators/jenkins/index.js';
import type { FleetRepo, ProductRepoDef } from '../helpers/fleet-repo.js';
import { createJenkinsFleet, reconcileJenkinsFleet, useEmulatedJenkins } from '../helpers/jenkins-fleet.js';

let jenkins: JenkinsEmulator;
const repos: FleetRepo[] = [];
let fleets = 0;
useEmulatedJenkins(repos, (started) => {
  jenkins = started;
});

/** A Jenkins fleet of these products in a top folder of its own, `concurrency` actions at once. */
async function fleetOf(products: ProductRepoDef[], concurrency: number, constitution?: string) {
  const folder = `queue-${++fleets}`;
  const repo = await createJenkinsFleet(jenkins, { folder, products, constitution });
  repos.push(repo);
  const path = join(repo.fleetDir, 'fleet.yaml');
  const text = readFileSync(path, 'utf8');
  const wanted = text.replace(
    /reconcile: \{ concurrency: \d+ \}/,
    `reconcile: { concurrency: ${concurrency} }`,
  );
  if (wanted !== text) {
    writeFileSync(path, wanted);
    await repo.commitFleet(`${concurrency} at once`);
  }
  return { repo, folder };
}

const product = (index: number, extra?: string): ProductRepoDef => ({
  org: 'acme',
  name: `p${index}`,
  steps: ['true'],
  extra,
});

describe('reconcile: a queue of products, each reconciled on its own', () => {
  it('builds the first products before the last ones are looked at, and each once', async () => {
    // One org each, one product at a time: each product's own look shows when it was observed.
    const { repo, folder } = await fleetOf(
      Array.from({ length: 32 }, (_, index) => ({ ...product(index), org: `o${index}` })),
      1,
    );
    jenkins.resetRequestLog();
    const result = await reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken);
    expect(result.converged).toBe(true);
    const requests = jenkins.requests.filter((request) => request.path.startsWith(`/job/${folder}/`));
    const firstPost = requests.findIndex((request) => request.method === 'POST');
    const lastObserved = requests.findIndex(
      (request) => request.path === `/job/${folder}/job/o31/job/p31/api/json`,
    );
    expect(firstPost).toBeGreaterThanOrEqual(0);
    expect(firstPost).toBeLessThan(lastObserved);
    const triggers = result.executed.filter((action) => action.kind === 'build.trigger');
    expect(triggers).toHaveLength(32);
    expect(triggers.every((action) => action.outcome === 'succeeded')).toBe(true);
    const builds = jenkins
      .jobs()
      .filter((item) => /^[^/]+\/o\d+\/p\d+$/.test(item.fullName) && item.fullName.startsWith(`${folder}/`));
    expect(builds.map((job) => job.builds.length)).toEqual(Array(32).fill(1));
  });

  it('acts on a product that depends on another once that one is Ready: its build green, not just started', async () => {
    const { repo } = await fleetOf([product(0), product(1, '  dependsOn: [acme/p0]\n')], 2);
    const first = await reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken, { maxPasses: 1 });
    expect(first.executed.filter((action) => action.product === 'acme/p1')).toEqual([]);
    const waiting = first.plan.actions.find((action) => action.product === 'acme/p1');
    expect(waiting?.blockedBy).toContainEqual({ type: 'dependency-not-ready', products: ['acme/p0'] });
    const looked: { product: string; ready: boolean; built: boolean }[] = [];
    const result = await reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken, {
      onReconciled: (each) =>
        looked.push({
          product: each.product,
          ready: each.ready,
          built: each.executed.some((action) => action.kind === 'build.trigger'),
        }),
    });
    expect(result.converged).toBe(true);
    const order = result.executed.map((action) => `${action.product} ${action.kind} ${action.outcome}`);
    expect(order).toContain('acme/p1 build.trigger succeeded');
    expect(result.plan.products.map((status) => status.facets.build?.state)).toEqual(['ready', 'ready']);
    // p0 is looked at first; p1 is built only after a look found p0 Ready.
    expect(looked[0]?.product).toBe('acme/p0');
    const p0Ready = looked.findIndex((each) => each.product === 'acme/p0' && each.ready);
    const p1Built = looked.findIndex((each) => each.product === 'acme/p1' && each.built);
    expect(p0Ready).toBeGreaterThanOrEqual(0);
    expect(p1Built).toBeGreaterThan(p0Ready);
  });
});

describe('reconcile while builds run', () => {
  it('looks again only at the products whose builds run, each as often as it asks', async () => {
    const slow = { ...product(0), steps: ['sleep 2'] };
    const { repo, folder } = await fleetOf([slow, product(1), product(2)], 2);
    jenkins.resetRequestLog();
    const looks = new Map<string, number>();
    const result = await reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken, {
      onReconciled: (each, count) => looks.set(each.product, count),
    });
    expect(result.converged).toBe(true);
    const gets = (path: string) =>
      jenkins.requests.filter((request) => request.method === 'GET' && request.path === path).length;
    // The first looks at the org's three products read its folder once; every later look reads its own job.
    const folderReads = gets(`/job/${folder}/job/acme/api/json`);
    expect(folderReads).toBe(1);
    for (const name of ['p0', 'p1', 'p2'])
      expect(gets(`/job/${folder}/job/acme/job/${name}/api/json`) + 1).toBe(looks.get(`acme/${name}`));
    // p0's build takes longest: it is looked at most; the others stop once theirs are seen done.
    expect(result.passes).toBe(looks.get('acme/p0'));
    expect(looks.get('acme/p1')).toBeLessThan(result.passes);
    expect(looks.get('acme/p2')).toBeLessThan(result.passes);
  });
});
