import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobObservation } from '../../../src/backends/ci.js';
import { JenkinsCi } from '../../../src/backends/jenkins/ci.js';
import { JenkinsApi } from '../../../src/backends/jenkins/client.js';
import { CodemonkeysError } from '../../../src/errors.js';
import type { Product } from '../../../src/fleet/model.js';
import {
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../../emulators/jenkins/index.js';
import { committedRepo } from '../../helpers/git.js';
import { productWith } from './product.js';

let jenkins: JenkinsEmulator;
let repo: string;
let sha: string;
let cleanup: () => void;

const backend = (token = DEFAULT_JENKINS_USER.apiToken) =>
  new JenkinsCi({
    api: new JenkinsApi({ url: jenkins.url, user: DEFAULT_JENKINS_USER.name, token }),
    folder: 'codemonkeys',
  });
const green = (name: string) => productWith({ steps: ['true'], timeout: '1m' }, name);
const FOLDER = 'GET /job/codemonkeys/job/acme/api/json';

beforeAll(async () => {
  jenkins = await startJenkinsEmulator({ executors: 2 });
  ({ repo, head: sha, cleanup } = await committedRepo('cm-jenkins-folder-', 'repo', { README: 'hello\n' }));
  // a: built green at sha; b: configured, never built; c: configured for other steps (drifted); d: no job.
  const ci = backend();
  for (const name of ['a', 'b']) await ci.configureJob(green(name));
  await ci.configureJob(productWith({ steps: ['make'], timeout: '1m' }, 'c'));
  await ci.trigger({
    product: 'acme/a',
    repoUrl: repo,
    branch: 'main',
    commit: sha,
    steps: ['true'],
    timeoutMs: 60_000,
    env: {},
  });
  await jenkins.waitForIdle();
}, 60_000);
afterAll(async () => {
  await jenkins?.stop();
  cleanup?.();
});

/** What each product's own request tells (no prepareJobs). */
async function oneByOne(products: Product[]): Promise<JobObservation[]> {
  const ci = backend();
  return Promise.all(products.map((product) => ci.observeJob(product, sha)));
}

describe('reading the jobs of a pass folder by folder (prepareJobs)', () => {
  const products = ['a', 'b', 'c', 'd'].map(green);

  it('reads the folder once and tells each job what its own request would', async () => {
    const expected = await oneByOne(products);
    expect(expected.map((seen) => seen.job)).toEqual(['current', 'current', 'drifted', 'missing']);
    expect(expected[0]?.build).toMatchObject({ state: 'succeeded', commit: sha });
    jenkins.resetRequestLog();
    const ci = backend();
    ci.prepareJobs(products, products);
    expect(await Promise.all(products.map((product) => ci.observeJob(product, sha)))).toEqual(expected);
    expect(jenkins.requests.map((request) => request.key)).toEqual([FOLDER]);
  });

  it('asks job by job when the products looked at are fewer than two or a quarter of the folder', async () => {
    const known = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(green);
    for (const looked of [products.slice(0, 1), products.slice(0, 2)]) {
      jenkins.resetRequestLog();
      const ci = backend();
      ci.prepareJobs(looked, known);
      await Promise.all(looked.map((product) => ci.observeJob(product, sha)));
      expect(jenkins.requests.map((request) => request.key)).not.toContain(FOLDER);
      expect(jenkins.requests).toHaveLength(looked.length);
    }
  });

  it('takes a job from the folder read once: a second look asks Jenkins anew', async () => {
    const ci = backend();
    ci.prepareJobs(products, products);
    await ci.observeJob(products[0] as Product, sha);
    jenkins.resetRequestLog();
    expect((await ci.observeJob(products[0] as Product, sha)).job).toBe('current');
    expect(jenkins.requests.map((request) => request.key)).toEqual([
      'GET /job/codemonkeys/job/acme/job/a/api/json',
    ]);
  });

  it('tells every job of a folder that is not there missing, in one request', async () => {
    const ci = backend();
    const elsewhere = ['x', 'y'].map((name) => ({ ...green(name), id: `globex/${name}` }));
    jenkins.resetRequestLog();
    ci.prepareJobs(elsewhere, elsewhere);
    expect(await Promise.all(elsewhere.map((product) => ci.observeJob(product, sha)))).toEqual([
      { job: 'missing', build: undefined },
      { job: 'missing', build: undefined },
    ]);
    expect(jenkins.requests.map((request) => `${request.key} ${request.status}`)).toEqual([
      'GET /job/codemonkeys/job/globex/api/json 404',
    ]);
  });

  it('hands a refused read to every look that waits on it, and nothing to nobody', async () => {
    const ci = backend('not-the-token');
    ci.prepareJobs(products, products);
    for (const product of products.slice(0, 2)) {
      const error = await ci.observeJob(product, sha).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CodemonkeysError);
      expect((error as CodemonkeysError).next).toBe('stalled');
    }
  });
});
