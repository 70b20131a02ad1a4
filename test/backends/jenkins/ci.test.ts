import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildRecord, BuildRequest } from '../../../src/backends/ci.js';
import { JenkinsCi } from '../../../src/backends/jenkins/ci.js';
import { JenkinsApi } from '../../../src/backends/jenkins/client.js';
import type { Product } from '../../../src/fleet/model.js';
import {
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../../emulators/jenkins/index.js';
import { makeFleet } from '../../helpers/engine.js';
import { commitAll, git, tempDir } from '../../helpers/git.js';

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

  it('costs one request per product on an idle pass', async () => {
    const sha = await commit('test:\n\t@true\n');
    await backend().trigger(request(sha));
    await settled(backend(), sha);
    jenkins.resetRequestLog();
    await backend().observe('acme/widget', sha);
    expect(jenkins.requests).toHaveLength(1);
  });
});
