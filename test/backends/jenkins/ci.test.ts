import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildRecord, BuildRequest } from '../../../src/backends/ci.js';
import { JenkinsCi } from '../../../src/backends/jenkins/ci.js';
import { JenkinsApi } from '../../../src/backends/jenkins/client.js';
import { renderJenkinsfile } from '../../../src/backends/jenkins/jenkinsfile.js';
import { renderJobConfig } from '../../../src/backends/jenkins/job-config.js';
import { runStep } from '../../../src/backends/localci/run-step.js';
import type { Product } from '../../../src/fleet/model.js';
import {
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../../emulators/jenkins/index.js';
import { makeFleet } from '../../helpers/engine.js';
import { commitAll, git, tempDir } from '../../helpers/git.js';
import { productWith, withRepoCredential } from './product.js';

let jenkins: JenkinsEmulator;
let repo: string;
let cleanup: () => void;
const product = (): Product => makeFleet([{ id: 'acme/widget' }]).products.get('acme/widget') as Product;
const backend = () =>
  new JenkinsCi({
    api: new JenkinsApi({
      url: jenkins.url,
      user: DEFAULT_JENKINS_USER.name,
      token: DEFAULT_JENKINS_USER.apiToken,
    }),
    folder: 'codemonkeys',
  });

async function commit(makefile: string): Promise<string> {
  writeFileSync(join(repo, 'Makefile'), makefile);
  return commitAll(repo, 'change');
}

function request(sha: string): BuildRequest {
  return {
    product: 'acme/widget',
    repoUrl: repo,
    branch: 'main',
    commit: sha,
    steps: ['make test'],
    timeoutMs: 60_000,
    env: {},
  };
}

async function settled(ci: JenkinsCi, sha: string): Promise<BuildRecord | undefined> {
  await jenkins.waitForIdle();
  return ci.observe('acme/widget', sha);
}

beforeAll(async () => {
  jenkins = await startJenkinsEmulator();
  const temp = tempDir('cm-jenkins-ci-');
  cleanup = temp.cleanup;
  repo = join(temp.dir, 'widget');
  mkdirSync(repo);
  await git(repo, 'init', '-q', '-b', 'main');
}, 60_000);
afterAll(async () => {
  await jenkins?.stop();
  cleanup?.();
});

describe('the job of a product in a private repository', () => {
  const api = () =>
    new JenkinsApi({
      url: jenkins.url,
      user: DEFAULT_JENKINS_USER.name,
      token: DEFAULT_JENKINS_USER.apiToken,
    });
  const mappedTo = (id: string) =>
    new JenkinsCi({ api: api(), folder: 'codemonkeys', credentials: { 'acme/gitToken': id } });
  const privateProduct = withRepoCredential(productWith({ steps: ['true'] }, 'private'), 'gitToken');

  it('checks out with the mapped Jenkins credential, and drifts when the mapping names another', async () => {
    const sha = await commit('private:\n');
    expect(await mappedTo('acme-git').configureJob(privateProduct)).toBe('created');
    const path = ['codemonkeys', 'acme', 'private'];
    expect(await api().config(path)).toContain(
      'userRemoteConfigs: [[credentialsId: &apos;acme-git&apos;, url: params.REPO_URL]]',
    );
    expect((await mappedTo('acme-git').observeJob(privateProduct, sha)).job).toBe('current');
    const rotated = mappedTo('acme-git-2026');
    expect((await rotated.observeJob(privateProduct, sha)).job).toBe('drifted');
    expect(await rotated.configureJob(privateProduct, 'drifted')).toBe('updated');
    expect(await api().config(path)).toContain('credentialsId: &apos;acme-git-2026&apos;');
    expect((await rotated.observeJob(privateProduct, sha)).job).toBe('current');
  });
});

describe('the Jenkins CI backend, through the emulator', () => {
  it('creates the folders and the job, leaves a matching job alone, and recreates a deleted one', async () => {
    const ci = backend();
    expect(await ci.ensureJob(product())).toBe('created');
    expect(jenkins.jobs().map((item) => item.fullName)).toEqual(
      expect.arrayContaining(['codemonkeys', 'codemonkeys/acme', 'codemonkeys/acme/widget']),
    );
    expect(await ci.ensureJob(product())).toBe('unchanged');
    jenkins.deleteItem('codemonkeys/acme/widget');
    expect(await ci.ensureJob(product())).toBe('created');
  });

  it('creates a job seen missing without asking for its config first, and copes when it exists after all', async () => {
    const ci = backend();
    const other = productWith({ steps: ['make'], timeout: '1m' }, 'seen-missing');
    await ci.ensureJob(productWith({ steps: ['true'], timeout: '1m' }, 'warm-up'));
    jenkins.resetRequestLog();
    expect(await ci.ensureJob(other, 'missing')).toBe('created');
    expect(jenkins.requests.map((each) => each.key)).toEqual(['POST /job/codemonkeys/job/acme/createItem']);
    // Seen missing, but made meanwhile (by another reconciler): Jenkins refuses the create, the config is compared.
    expect(await backend().ensureJob(other, 'missing')).toBe('unchanged');
    const changed = productWith({ steps: ['make', 'make test'], timeout: '1m' }, 'seen-missing');
    expect(await backend().ensureJob(changed, 'missing')).toBe('updated');
  });

  it('builds a commit once, finds it again after a restart, and reports it green', async () => {
    const sha = await commit('test:\n\t@echo all green\n');
    const first = await backend().trigger(request(sha));
    expect(first.state).toBe('queued');
    // A restarted reconciler (a new backend) triggering again finds the build it already started.
    const again = await backend().trigger(request(sha));
    expect(['queued', 'running']).toContain(again.state);
    const done = await settled(backend(), sha);
    expect(done).toMatchObject({ state: 'succeeded', commit: sha });
    const builds = jenkins.jobs().find((item) => item.fullName === 'codemonkeys/acme/widget')?.builds ?? [];
    expect(builds.filter((build) => build.parameters.COMMIT === sha)).toHaveLength(1);
    const log = await backend().log(done as BuildRecord, 0);
    expect(log.text).toContain('all green');
  });

  it('starts a build without looking first when the caller just saw none (seenIdle)', async () => {
    const sha = await commit('test:\n\t@true\n');
    await backend().ensureJob(product());
    jenkins.resetRequestLog();
    expect((await backend().trigger({ ...request(sha), seenIdle: true })).state).toBe('queued');
    // A new client asks for a crumb before its first POST; the job itself is not looked at.
    expect(jenkins.requests.map((each) => each.key)).toEqual([
      'GET /crumbIssuer/api/json',
      'POST /job/codemonkeys/job/acme/job/widget/buildWithParameters',
    ]);
    await settled(backend(), sha);
  });

  it('reports a failing build with the end of its log', async () => {
    const sha = await commit('test:\n\t@echo "3 tests failed" && false\n');
    await backend().trigger(request(sha));
    const done = await settled(backend(), sha);
    expect(done?.state).toBe('failed');
    expect(done?.failure?.logTail).toMatch(/3 tests failed/);
  });

  it('knows no build for a commit it never built, and none for a job that is gone', async () => {
    expect(await backend().observe('acme/widget', 'f'.repeat(40))).toBeUndefined();
    expect(await backend().observe('acme/nothing', 'f'.repeat(40))).toBeUndefined();
  });

  it('tells the job and the build of a green commit in one request', async () => {
    const sha = await commit('test:\n\t@true\n');
    await backend().ensureJob(product());
    await backend().trigger(request(sha));
    await settled(backend(), sha);
    jenkins.resetRequestLog();
    const seen = await backend().observeJob(product(), sha);
    expect(seen).toMatchObject({ job: 'current', build: { state: 'succeeded', commit: sha } });
    expect(jenkins.requests.map((each) => `${each.key}?${decodeURIComponent(each.query)}`)).toEqual([
      `GET /job/codemonkeys/job/acme/job/widget/api/json?tree=${JOB_TREE}`,
    ]);
  });
});

describe('the build spec a Jenkins build ran', () => {
  const SPEC = {
    hash: '0123456789ab',
    fields: { steps: '01234567', env: '89abcdef', timeout: 'fedcba98', ci: '76543210' },
  };

  it('travels in the BUILD_SPEC parameter and comes back with the build', async () => {
    const specced = productWith({ steps: ['true'], timeout: '1m' }, 'specced');
    const sha = await commit('specced:\n');
    await backend().configureJob(specced);
    const queued = await backend().trigger({ ...request(sha), product: 'acme/specced', spec: SPEC });
    expect(queued.spec).toEqual(SPEC);
    await jenkins.waitForIdle();
    expect(await backend().observeJob(specced, sha)).toMatchObject({
      job: 'current',
      build: { state: 'succeeded', spec: SPEC },
    });
    const job = jenkins.jobs().find((item) => item.fullName === 'codemonkeys/acme/specced');
    expect(job?.builds[0]?.parameters.BUILD_SPEC).toBe(
      '0123456789ab steps:01234567 env:89abcdef timeout:fedcba98 ci:76543210',
    );
  });

  it('is none for a build of a job configured before BUILD_SPEC, which Jenkins drops as undeclared', async () => {
    const older = productWith({ steps: ['true'], timeout: '1m' }, 'older');
    const config = renderJobConfig(older, renderJenkinsfile(older))
      .replace(
        /\s*<hudson.model.StringParameterDefinition>\s*<name>BUILD_SPEC<\/name>[\s\S]*?<\/hudson.model.StringParameterDefinition>/,
        '',
      )
      .replace(/\n\s*string\(name: &apos;BUILD_SPEC&apos;.*/, '');
    expect(config).not.toContain('BUILD_SPEC');
    await backend().configureJob(productWith({ steps: ['true'] }, 'warm-folder'));
    await new JenkinsApi({
      url: jenkins.url,
      user: DEFAULT_JENKINS_USER.name,
      token: DEFAULT_JENKINS_USER.apiToken,
    }).create(['codemonkeys', 'acme', 'older'], config);
    const sha = await commit('older:\n');
    await backend().trigger({ ...request(sha), product: 'acme/older', spec: SPEC });
    await jenkins.waitForIdle();
    const done = await backend().observe('acme/older', sha);
    expect(done?.state).toBe('succeeded');
    expect(done).not.toHaveProperty('spec');
  });

  it('of a commit built again is that of its build waiting in the queue, not of its finished one', async () => {
    await withOneExecutor(async (small, ci) => {
      const slow = productWith({ steps: ['sleep 0.3'], timeout: '1m' }, 'rebuilt');
      await ci.configureJob(slow);
      const [sha, other] = [await commit('rebuilt:\n'), await commit('blocker:\n')];
      const start = (commit: string, spec: typeof SPEC) =>
        ci.trigger({ ...request(commit), product: 'acme/rebuilt', spec });
      await start(sha, SPEC);
      await small.waitForIdle();
      await start(other, SPEC);
      while ((await ci.observe('acme/rebuilt', other))?.state !== 'running') await sleep(20);
      const respecced = { ...SPEC, hash: 'ba9876543210' };
      await start(sha, respecced);
      small.resetRequestLog();
      expect(await ci.observeJob(slow, sha)).toMatchObject({ build: { state: 'queued', spec: respecced } });
      expect(small.requests).toHaveLength(1);
      await small.waitForIdle();
      expect(await ci.observe('acme/rebuilt', sha)).toMatchObject({
        state: 'succeeded',
        buildId: '#3',
        spec: respecced,
      });
    });
  });
});

/** A Jenkins of its own with one executor, and a backend on it; stopped afterwards. */
async function withOneExecutor(run: (small: JenkinsEmulator, ci: JenkinsCi) => Promise<void>): Promise<void> {
  const small = await startJenkinsEmulator({ executors: 1 });
  try {
    const api = new JenkinsApi({
      url: small.url,
      user: DEFAULT_JENKINS_USER.name,
      token: DEFAULT_JENKINS_USER.apiToken,
    });
    await run(small, new JenkinsCi({ api }));
  } finally {
    await small.stop();
  }
}

const JOB_TREE =
  'description,builds[number,url,building,result,duration,timestamp,actions[parameters[name,value]]]{0,20},' +
  'queueItem[id,actions[parameters[name,value]]]';

describe('a build waiting in the queue', () => {
  it('is found from the job in one request, and a commit queued behind another from the whole queue', async () => {
    await withOneExecutor(async (small, ci) => {
      const slow = productWith({ steps: ['sleep 0.5'], timeout: '1m' }, 'slow');
      await ci.configureJob(slow);
      const [first, second, third] = [await commit('a:\n'), await commit('b:\n'), await commit('c:\n')];
      const start = (sha: string) => ci.trigger({ ...request(sha), product: 'acme/slow' });
      await start(first);
      while ((await ci.observe('acme/slow', first))?.state !== 'running') await sleep(20);
      await start(second);
      await start(third);
      small.resetRequestLog();
      expect(await ci.observeJob(slow, second)).toMatchObject({ build: { state: 'queued' } });
      expect(small.requests).toHaveLength(1);
      small.resetRequestLog();
      expect(await ci.observeJob(slow, third)).toMatchObject({ build: { state: 'queued' } });
      expect(small.requests.map((each) => each.key)).toEqual([
        'GET /job/acme/job/slow/api/json',
        'GET /queue/api/json',
      ]);
      await small.waitForIdle();
    });
  });
});

describe('whether the job matches the spec, from the hash in its description', () => {
  const api = () =>
    new JenkinsApi({
      url: jenkins.url,
      user: DEFAULT_JENKINS_USER.name,
      token: DEFAULT_JENKINS_USER.apiToken,
    });
  const path = ['codemonkeys', 'acme', 'hashed'];
  const hashed = (steps: string[]) => productWith({ steps, timeout: '5m' }, 'hashed');

  it('is missing before the job exists, current once configured, and drifted when the spec changes', async () => {
    const sha = 'f'.repeat(40);
    expect(await backend().observeJob(hashed(['make']), sha)).toEqual({ job: 'missing', build: undefined });
    expect(await backend().configureJob(hashed(['make']))).toBe('created');
    expect((await backend().observeJob(hashed(['make']), sha)).job).toBe('current');
    expect((await backend().observeJob(hashed(['make', 'make test']), sha)).job).toBe('drifted');
    expect(await backend().configureJob(hashed(['make', 'make test']))).toBe('updated');
    expect((await backend().observeJob(hashed(['make', 'make test']), sha)).job).toBe('current');
  });

  it('sees a job whose hash line was edited away as drifted, and rewrites it', async () => {
    const product = hashed(['make']);
    await backend().configureJob(product);
    const config = (await api().config(path)) as string;
    await api().updateConfig(path, config.replace(/\ncodemonkeys:job-hash [0-9a-f]+/, ''));
    expect((await backend().observeJob(product, 'f'.repeat(40))).job).toBe('drifted');
    expect(await backend().configureJob(product)).toBe('updated');
    expect((await backend().observeJob(product, 'f'.repeat(40))).job).toBe('current');
  });

  it('trusts the hash line: an edit in Jenkins that keeps it is not seen until the spec changes', async () => {
    const product = hashed(['make']);
    await backend().configureJob(product);
    const config = (await api().config(path)) as string;
    await api().updateConfig(
      path,
      config.replace('make&apos;&apos;&apos;', 'make || true&apos;&apos;&apos;'),
    );
    expect((await backend().observeJob(product, 'f'.repeat(40))).job).toBe('current');
    // configure compares the whole config.xml, so any reconfiguration puts the spec's back.
    expect(await backend().configureJob(product)).toBe('updated');
  });
});

describe('build steps on Jenkins run as on the local runner', () => {
  /** The exit code of `step` under the local runner's runStep (`bash -c`). */
  async function locally(step: string): Promise<number | null> {
    const outcome = await runStep(step, {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      deadline: Date.now() + 30_000,
      signal: new AbortController().signal,
      write: () => {},
      started: async () => {},
    });
    return outcome.exitCode;
  }

  it.each([
    { what: 'a command failing before the last one', step: 'false\necho went on', green: true },
    { what: 'bash syntax', step: '[[ abc == a* ]] && declare -A map && map[k]=v', green: true },
    { what: 'a failing last command', step: 'echo trying\nexit 3', green: false },
  ])('$what: green is $green on both, and Jenkins echoes no commands', async ({ step, green }) => {
    expect((await locally(step)) === 0).toBe(green);
    const name = `parity-${green ? 'green' : 'red'}-${step.length}`;
    const product = productWith({ steps: [step], timeout: '1m' }, name);
    const sha = await commit(`test:\n\t@echo ${name}\n`);
    const ci = backend();
    await ci.configureJob(product);
    await ci.trigger({ ...request(sha), product: `acme/${name}` });
    await jenkins.waitForIdle();
    const done = await ci.observe(`acme/${name}`, sha);
    expect(done?.state).toBe(green ? 'succeeded' : 'failed');
    const log = (await ci.log(done as BuildRecord, 0)).text;
    expect(log).not.toMatch(/^\+ /m);
  });
});
