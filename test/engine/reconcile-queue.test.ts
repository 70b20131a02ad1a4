import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gateProductEarly } from '../../src/engine/early.js';
import { openRuntime } from '../../src/engine/runtime.js';
import type { ProductObservation } from '../../src/facets/facet.js';
import { createLogger } from '../../src/log/logger.js';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator } from '../emulators/jenkins/index.js';
import { testClock } from '../helpers/clock.js';
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
  const folder = `stream-${++fleets}`;
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

describe('a loop pass acts on each product as soon as it is observed', () => {
  it('starts building the first products before the last ones are observed, and builds each once', async () => {
    // One org each: a pass that looks at many products of one org reads its folder at once, and
    // here each product's own look is what shows when it was observed.
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
    const waiting = first.last.plan.actions.find((action) => action.product === 'acme/p1');
    expect(waiting?.blockedBy).toContainEqual({ type: 'dependency-not-ready', products: ['acme/p0'] });
    const result = await reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken);
    expect(result.converged).toBe(true);
    const order = result.executed.map((action) => `${action.product} ${action.kind} ${action.outcome}`);
    expect(order).toContain('acme/p1 build.trigger succeeded');
    expect(result.last.plan.products.map((status) => status.facets.build?.state)).toEqual(['ready', 'ready']);
  });
});

describe('a loop waiting on builds', () => {
  it('looks again only at what runs, and at everything once before calling the fleet converged', async () => {
    const slow = { ...product(0), steps: ['sleep 2'] };
    const { repo, folder } = await fleetOf([slow, product(1), product(2)], 2);
    jenkins.resetRequestLog();
    const result = await reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken);
    expect(result.converged).toBe(true);
    const gets = (path: string) =>
      jenkins.requests.filter((request) => request.method === 'GET' && request.path === path).length;
    // A pass that looks at two or more of the org's three products reads the org folder at once.
    const folderReads = gets(`/job/${folder}/job/acme/api/json`);
    const looks = (name: string) => gets(`/job/${folder}/job/acme/job/${name}/api/json`) + folderReads;
    // p0 is looked at every pass (its trigger does not look again); p1 and p2 once their builds were seen done, and in the last pass.
    expect(result.passes).toBeGreaterThan(4);
    expect(looks('p0')).toBe(result.passes);
    expect(looks('p1')).toBeLessThan(looks('p0') - 1);
    expect(looks('p2')).toBeLessThan(looks('p0') - 1);
    // The last pass looked at everything, in one read of the folder.
    const last = jenkins.requests.at(-1);
    expect(last?.method).toBe('GET');
    expect(last?.path).toBe(`/job/${folder}/job/acme/api/json`);
  });
});

describe('gateProductEarly', () => {
  const missing: ProductObservation = {
    product: 'acme/p0',
    facets: {
      build: {
        ok: true,
        observedAt: new Date(0).toISOString(),
        value: {
          ci: 'jenkins',
          repoUrl: '/r',
          branch: 'main',
          head: 'a'.repeat(40),
          build: null,
          job: 'missing',
        },
      },
    },
  };

  async function gated(products: ProductRepoDef[], constitution?: string) {
    const { repo } = await fleetOf(products, 2, constitution);
    const runtime = await openRuntime({
      fleet: repo.fleetDir,
      cwd: repo.root,
      env: { ...process.env, CODEMONKEYS_STATE: join(repo.root, 'early.db') },
      logger: createLogger({ level: 'silent' }),
      readOnly: false,
      clock: testClock(),
    });
    stores.push(runtime.store);
    return (id: string) =>
      gateProductEarly(
        runtime,
        runtime.fleet.products.get(id) as never,
        { ...missing, product: id },
        new Date(),
      );
  }
  const stores: { close(): void }[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
  });

  it('gates a product on its own observation, and holds back what the constitution does not let through', async () => {
    const early = await gated(
      [product(0)],
      `apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: rules }\nspec:\n  defaultEffect: allow\n  rules:\n    - { id: ask-first, match: { actions: ["build.trigger"] }, effect: require-approval, approvers: [carol] }\n`,
    );
    const actions = early('acme/p0');
    expect(
      actions.map((action) => [action.kind, action.verdict.effect, action.blockedBy.map((b) => b.type)]),
    ).toEqual([
      ['build.configure', 'allow', []],
      ['build.trigger', 'require-approval', ['awaiting-approval', 'waiting-on']],
    ]);
  });

  it('leaves a product that depends on another to the whole plan', async () => {
    const early = await gated([product(0), product(1, '  dependsOn: [acme/p0]\n')]);
    expect(early('acme/p1')).toEqual([]);
    expect(early('acme/p0').length).toBeGreaterThan(0);
  });
});
