import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JenkinsApi } from '../../../src/backends/jenkins/client.js';
import { renderJenkinsfile } from '../../../src/backends/jenkins/jenkinsfile.js';
import { jobPath, renderFolderConfig, renderJobConfig } from '../../../src/backends/jenkins/job-config.js';
import type { Product } from '../../../src/fleet/model.js';
import {
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../../emulators/jenkins/index.js';
import { makeFleet } from '../../helpers/engine.js';
import { committedRepo } from '../../helpers/git.js';

let jenkins: JenkinsEmulator;
let api: JenkinsApi;
let repo: string;
let head: string;
let cleanup: () => void;
const product = (): Product => makeFleet([{ id: 'acme/widget' }]).products.get('acme/widget') as Product;

beforeAll(async () => {
  jenkins = await startJenkinsEmulator({ crumbRequired: true });
  api = new JenkinsApi({
    url: jenkins.url,
    user: DEFAULT_JENKINS_USER.name,
    token: DEFAULT_JENKINS_USER.apiToken,
    tokenSource: 'environment variable JENKINS_TOKEN',
    timeoutMs: 2_000,
  });
  ({ repo, head, cleanup } = await committedRepo('cm-jenkins-', 'widget', {
    Makefile: 'test:\n\t@echo all good\n',
  }));
}, 60_000);
afterAll(async () => {
  await jenkins?.stop();
  cleanup?.();
});

describe('JenkinsApi against the Jenkins emulator', () => {
  it('reads the version from the X-Jenkins header', async () => {
    expect(await api.version()).toMatch(/^2\.\d+/);
  });

  it('creates a folder per org and a pipeline job, reads its config back, and updates it', async () => {
    const path = jobPath(product());
    expect(await api.config(path)).toBeUndefined();
    await api.create(path.slice(0, 1), renderFolderConfig('acme'));
    const config = renderJobConfig(product(), renderJenkinsfile(product()));
    await api.create(path, config);
    expect(await api.config(path)).toContain('<flow-definition');
    await api.updateConfig(path, config.replace('</description>', ' (updated)</description>'));
    expect(await api.config(path)).toContain('(updated)</description>');
  });

  it('queues a build, follows the queue item to the build, and reads its parameters, result and log', async () => {
    const path = jobPath(product());
    const queueId = await api.build(path, { REPO_URL: repo, BRANCH: 'main', COMMIT: head });
    let item = await api.queueItem(queueId);
    for (let tries = 0; !item?.executable && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      item = await api.queueItem(queueId);
    }
    const number = item?.executable?.number as number;
    expect(number).toBeGreaterThan(0);
    await jenkins.waitForIdle();
    const build = await api.buildInfo(path, number);
    expect(build).toMatchObject({
      number,
      building: false,
      result: 'SUCCESS',
      parameters: { COMMIT: head, REPO_URL: repo },
    });
    const builds = await api.builds(path);
    expect(builds?.map((each) => each.parameters.COMMIT)).toContain(head);
    const first = await api.log(path, number, 0);
    expect(first.text).toContain('all good');
    expect(first.more).toBe(false);
    const rest = await api.log(path, number, first.nextOffset);
    expect(rest).toMatchObject({ text: '', nextOffset: first.nextOffset });
  });

  it('asks for a crumb once, not before every POST', async () => {
    const fresh = new JenkinsApi({
      url: jenkins.url,
      user: DEFAULT_JENKINS_USER.name,
      token: DEFAULT_JENKINS_USER.apiToken,
    });
    jenkins.resetRequestLog();
    const config = renderJobConfig(product(), renderJenkinsfile(product()));
    await fresh.create(['crumbs'], renderFolderConfig('crumbs'));
    await Promise.all(['a', 'b', 'c'].map((name) => fresh.create(['crumbs', name], config)));
    await fresh.updateConfig(['crumbs', 'a'], config);
    const counts = jenkins.requestCounts();
    expect(counts['GET /crumbIssuer/api/json']).toBe(1);
    expect(jenkins.requests.filter((request) => request.method === 'POST').map((r) => r.status)).toEqual([
      200, 200, 200, 200, 200,
    ]);
  });

  it('says builds are gone for a job deleted behind its back', async () => {
    const path = ['acme', 'deleted'];
    await api.create(path, renderJobConfig(product(), renderJenkinsfile(product())));
    expect(jenkins.deleteItem('acme/deleted')).toBe(true);
    expect(await api.builds(path)).toBeUndefined();
  });

  it('maps faults to what the loop does next', async () => {
    jenkins.failNext(1, 503);
    await expect(api.builds(jobPath(product()))).rejects.toMatchObject({
      reason: 'JenkinsUnavailable',
      next: 'transient',
    });
    jenkins.failNext(1, 429, { retryAfterSeconds: 7 });
    await expect(api.version()).rejects.toMatchObject({
      reason: 'JenkinsRateLimited',
      next: 'waiting',
      retryAfterMs: 7000,
    });
    jenkins.delayNext(1, 3_000);
    await expect(api.version()).rejects.toMatchObject({ reason: 'JenkinsUnavailable', next: 'transient' });
    jenkins.clearFaults();
  });

  it('names the user and the token source, never the token, when credentials are refused', async () => {
    const wrong = new JenkinsApi({
      url: jenkins.url,
      user: 'codemonkeys',
      token: 'not-the-token-4711',
      tokenSource: 'environment variable JENKINS_TOKEN',
    });
    const error = (await wrong.builds(jobPath(product())).catch((e: unknown) => e)) as Error & {
      reason: string;
      next: string;
    };
    expect(error).toMatchObject({ reason: 'JenkinsUnauthorized', next: 'stalled' });
    expect(error.message).toMatch(
      /check user codemonkeys and the API token in environment variable JENKINS_TOKEN/,
    );
    expect(error.message).not.toContain('not-the-token-4711');
  });

  it('is transient while Jenkins is down, and works again when it is back', async () => {
    await jenkins.goDown();
    await expect(api.version()).rejects.toMatchObject({ next: 'transient' });
    await jenkins.comeBack();
    expect(await api.version()).toMatch(/^2\./);
  });
});
