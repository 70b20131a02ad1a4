import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAll, git, tempDir } from '../helpers/git.js';
import {
  DEFAULT_JENKINS_PLUGINS,
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from './jenkins/index.js';
import { CompileError } from './jenkins/pipeline/lexer.js';
import { parsePipeline } from './jenkins/pipeline/parser.js';
import { basicAuth, FOLDER_CONFIG_XML, pipelineConfigXml } from './jenkins/testing.js';

const USER = { name: 'robot', password: 'hunter2', apiToken: '11aaaabbbbccccddddeeeeffff00001111' };
const temp = tempDir('cm-jenkins-emu-');
let repo: string;
let commit: string;
let jenkins: JenkinsEmulator;

beforeAll(async () => {
  repo = join(temp.dir, 'repo');
  await git(temp.dir, 'init', '-q', '-b', 'main', repo);
  writeFileSync(join(repo, 'hello.txt'), 'hello from the repo\n');
  commit = await commitAll(repo, 'first commit');
  jenkins = await startJenkinsEmulator({
    users: [USER],
    queueDelayMs: 200,
    credentials: { 'acme.token': 's3cr3t-value' },
  });
});
afterAll(async () => {
  await jenkins?.stop();
  temp.cleanup();
});

const TOKEN = basicAuth(USER.name, USER.apiToken);

function call(
  target: JenkinsEmulator,
  path: string,
  init: RequestInit & { auth?: string | null } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  const auth = init.auth === undefined ? TOKEN : init.auth;
  if (auth) headers.set('Authorization', auth);
  return fetch(new URL(path, target.url), { ...init, headers, redirect: 'manual' });
}

async function json<T = Record<string, unknown>>(target: JenkinsEmulator, path: string): Promise<T> {
  const response = await call(target, path);
  expect(response.status, `GET ${path}`).toBe(200);
  return (await response.json()) as T;
}

function pipeline(...stages: string[]): string {
  return `pipeline {
  agent any
  options { timeout(time: 5, unit: 'MINUTES') }
  stages {
    stage('Checkout') {
      steps {
        checkout([$class: 'GitSCM', branches: [[name: params.COMMIT]], userRemoteConfigs: [[url: params.REPO_URL]]])
      }
    }
${stages.join('\n')}
  }
  post { always { junit allowEmptyResults: true, testResults: '**/reports/*.xml' } }
}`;
}

async function createJob(
  target: JenkinsEmulator,
  folder: string,
  name: string,
  script: string,
  parameters?: string[],
): Promise<void> {
  const response = await call(target, `job/${folder}/createItem?name=${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/xml' },
    body: pipelineConfigXml(script, parameters),
  });
  expect(response.status).toBe(200);
}

async function ensureFolder(target: JenkinsEmulator, name: string): Promise<void> {
  const existing = await call(target, `job/${name}/api/json`);
  if (existing.status === 200) return;
  const response = await call(target, `createItem?name=${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/xml' },
    body: FOLDER_CONFIG_XML,
  });
  expect(response.status).toBe(200);
}

/** buildWithParameters → the queue item's URL from Location. */
async function trigger(
  target: JenkinsEmulator,
  jobPath: string,
  params: Record<string, string>,
): Promise<string> {
  const response = await call(target, `${jobPath}/buildWithParameters`, {
    method: 'POST',
    body: new URLSearchParams(params),
  });
  expect(response.status).toBe(201);
  const location = response.headers.get('location') ?? '';
  expect(location).toMatch(new RegExp(`^${target.url}queue/item/\\d+/$`));
  return location;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface QueueItemJson {
  id: number;
  why: string | null;
  blocked: boolean;
  buildable: boolean;
  cancelled?: boolean;
  executable?: { number: number; url: string } | null;
}

interface BuildJson {
  number: number;
  url: string;
  building: boolean;
  result: string | null;
  duration: number;
  actions: { _class?: string; parameters?: { name: string; value: string }[] }[];
}

async function executableOf(
  target: JenkinsEmulator,
  queueUrl: string,
): Promise<{ number: number; url: string }> {
  return waitFor('the queue item to become a build', async () => {
    const item = await json<QueueItemJson>(target, `${queueUrl}api/json`);
    return item.executable ?? undefined;
  });
}

async function finished(target: JenkinsEmulator, buildUrl: string): Promise<BuildJson> {
  return waitFor('the build to finish', async () => {
    const build = await json<BuildJson>(target, `${buildUrl}api/json`);
    return build.building ? undefined : build;
  });
}

async function consoleText(target: JenkinsEmulator, buildUrl: string): Promise<string> {
  return (await call(target, `${buildUrl}consoleText`)).text();
}

describe('Jenkins emulator: items', () => {
  it('creates a folder and a Pipeline job from config.xml and serves them back', async () => {
    await ensureFolder(jenkins, 'acme');
    const script = pipeline(`    stage('Build') { steps { sh 'true' } }`);
    await createJob(jenkins, 'acme', 'widget', script);

    const root = await json<{ jobs: { name: string; url: string; _class: string }[]; useCrumbs: boolean }>(
      jenkins,
      'api/json',
    );
    expect(root.jobs).toContainEqual({
      _class: 'com.cloudbees.hudson.plugins.folder.Folder',
      name: 'acme',
      url: `${jenkins.url}job/acme/`,
    });
    expect(root.useCrumbs).toBe(true);
    const job = await json(jenkins, 'job/acme/job/widget/api/json');
    expect(job).toMatchObject({
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      name: 'widget',
      fullName: 'acme/widget',
      url: `${jenkins.url}job/acme/job/widget/`,
      builds: [],
      lastBuild: null,
      inQueue: false,
      nextBuildNumber: 1,
    });
    const config = await call(jenkins, 'job/acme/job/widget/config.xml');
    expect(config.headers.get('content-type')).toBe('application/xml');
    expect(await config.text()).toBe(pipelineConfigXml(script));
  });

  it('creates a folder with mode=com.cloudbees.hudson.plugins.folder.Folder and refuses duplicates and bad names', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const created = await call(
      jenkins,
      'createItem?name=by-mode&mode=com.cloudbees.hudson.plugins.folder.Folder',
      { method: 'POST', headers: form },
    );
    expect(created.status).toBe(302);
    expect(created.headers.get('location')).toBe(`${jenkins.url}job/by-mode/configure`);
    expect((await json(jenkins, 'job/by-mode/api/json'))._class).toBe(
      'com.cloudbees.hudson.plugins.folder.Folder',
    );
    const again = await call(
      jenkins,
      'createItem?name=by-mode&mode=com.cloudbees.hudson.plugins.folder.Folder',
      { method: 'POST', headers: form },
    );
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('A job already exists with the name ‘by-mode’');
    const unsafe = await call(jenkins, 'createItem?name=a%3Fb', {
      method: 'POST',
      headers: { 'Content-Type': 'application/xml' },
      body: FOLDER_CONFIG_XML,
    });
    expect(unsafe.status).toBe(400);
  });

  it('replaces a job config with POST config.xml and deletes it with doDelete', async () => {
    await ensureFolder(jenkins, 'acme');
    await createJob(jenkins, 'acme', 'short-lived', pipeline());
    const replaced = pipelineConfigXml(pipeline(`    stage('Two') { steps { echo 'two' } }`));
    const posted = await call(jenkins, 'job/acme/job/short-lived/config.xml', {
      method: 'POST',
      headers: { 'Content-Type': 'application/xml' },
      body: replaced,
    });
    expect(posted.status).toBe(200);
    expect(await (await call(jenkins, 'job/acme/job/short-lived/config.xml')).text()).toBe(replaced);
    expect((await call(jenkins, 'job/acme/job/short-lived/doDelete')).status).toBe(405);
    const deleted = await call(jenkins, 'job/acme/job/short-lived/doDelete', { method: 'POST' });
    expect(deleted.status).toBe(302);
    expect((await call(jenkins, 'job/acme/job/short-lived/api/json')).status).toBe(404);
  });

  it('answers 404 for unknown jobs, builds and queue items, with X-Jenkins on every response', async () => {
    for (const path of [
      'job/nope/api/json',
      'job/acme/job/nope/api/json',
      'job/acme/job/widget/999/api/json',
      'queue/item/424242/api/json',
    ]) {
      const response = await call(jenkins, path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('x-jenkins')).toBe('2.479.1');
    }
  });
});

describe('Jenkins emulator: builds', () => {
  it('runs a passing pipeline: 201 Location, queue item, executable, parameters, progressive log, SUCCESS', async () => {
    await ensureFolder(jenkins, 'acme');
    await createJob(
      jenkins,
      'acme',
      'passing',
      pipeline(`    stage('Build') {
      steps {
        sh 'cat hello.txt'
        sh """echo "commit \${params.COMMIT}" && sleep 0.4"""
        sh '''echo "it\\'s" "a \\\\\\\\ b" && echo "param $COMMIT"'''
        archiveArtifacts artifacts: 'dist/**'
      }
    }`),
    );
    const queueUrl = await trigger(jenkins, 'job/acme/job/passing', {
      REPO_URL: repo,
      COMMIT: commit,
      BRANCH: 'main',
      IGNORED: 'x',
    });
    const waiting = await json<QueueItemJson>(jenkins, `${queueUrl}api/json`);
    expect(waiting).toMatchObject({ blocked: false, buildable: false });
    expect(waiting.why).toMatch(/^In the quiet period/);
    expect(waiting).not.toHaveProperty('executable');

    const executable = await executableOf(jenkins, queueUrl);
    expect(executable).toMatchObject({ number: 1, url: `${jenkins.url}job/acme/job/passing/1/` });
    const left = await json<QueueItemJson>(jenkins, `${queueUrl}api/json`);
    expect(left).toMatchObject({ cancelled: false, why: null });

    let offset = 0;
    let text = '';
    let sawMore = false;
    for (;;) {
      const response = await call(jenkins, `${executable.url}logText/progressiveText?start=${offset}`);
      text += await response.text();
      offset = Number(response.headers.get('x-text-size'));
      if (response.headers.get('x-more-data') !== 'true') break;
      sawMore = true;
      await sleep(50);
    }
    expect(sawMore).toBe(true);
    expect(offset).toBe(Buffer.byteLength(text));
    expect(text).toBe(await consoleText(jenkins, executable.url));
    expect(text).toContain(
      '[Pipeline] stage\n[Pipeline] { (Build)\n[Pipeline] sh\n+ cat hello.txt\nhello from the repo\n',
    );
    expect(text).toContain(`commit ${commit}\n`);
    expect(text).toContain("it's a \\ b\n");
    expect(text).toContain(`param ${commit}\n`);
    expect(text).toContain(`Checking out Revision ${commit} (detached)`);
    expect(text.endsWith('Finished: SUCCESS\n')).toBe(true);

    const build = await finished(jenkins, executable.url);
    expect(build).toMatchObject({ number: 1, building: false, result: 'SUCCESS' });
    expect(build.duration).toBeGreaterThan(0);
    const parameters = build.actions.find(
      (action) => action._class === 'hudson.model.ParametersAction',
    )?.parameters;
    expect(parameters).toEqual([
      { _class: 'hudson.model.StringParameterValue', name: 'REPO_URL', value: repo },
      { _class: 'hudson.model.StringParameterValue', name: 'COMMIT', value: commit },
      { _class: 'hudson.model.StringParameterValue', name: 'BRANCH', value: 'main' },
    ]);
    const job = await json<{ builds: unknown[]; lastBuild: unknown; nextBuildNumber: number }>(
      jenkins,
      'job/acme/job/passing/api/json?tree=builds[number,result,actions[parameters[name,value]]]{0,1},nextBuildNumber',
    );
    expect(job.nextBuildNumber).toBe(2);
    expect(job.builds).toEqual([
      {
        _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
        number: 1,
        result: 'SUCCESS',
        actions: expect.arrayContaining([
          {
            _class: 'hudson.model.ParametersAction',
            parameters: expect.arrayContaining([
              { _class: 'hudson.model.StringParameterValue', name: 'COMMIT', value: commit },
            ]),
          },
        ]),
      },
    ]);
  });

  it('fails the build at the first failing step, skips later stages, and says why', async () => {
    await ensureFolder(jenkins, 'acme');
    await createJob(
      jenkins,
      'acme',
      'failing',
      pipeline(
        `    stage('Test') { steps { sh 'echo before; exit 3'; sh 'echo never' } }`,
        `    stage('Deploy') { steps { sh 'echo deploying' } }`,
      ),
    );
    const executable = await executableOf(
      jenkins,
      await trigger(jenkins, 'job/acme/job/failing', { REPO_URL: repo, COMMIT: commit }),
    );
    const build = await finished(jenkins, executable.url);
    expect(build.result).toBe('FAILURE');
    const text = await consoleText(jenkins, executable.url);
    expect(text).toContain('+ echo before\nbefore\n+ exit 3\n');
    expect(text).not.toContain('never');
    expect(text).toContain('Stage "Deploy" skipped due to earlier failure(s)');
    expect(text).toMatch(/ERROR: script returned exit code 3\nFinished: FAILURE\n$/);
  });

  it('fails a script that does not compile, and a step the emulator does not know, with FAILURE', async () => {
    await ensureFolder(jenkins, 'acme');
    await createJob(
      jenkins,
      'acme',
      'broken',
      "pipeline {\n  stages {\n    stage('A') { steps { sh 'true' }\n  }\n",
    );
    await createJob(
      jenkins,
      'acme',
      'unknown-step',
      pipeline(`    stage('A') { steps { slackSend channel: '#ci' } }`),
    );
    const broken = await executableOf(jenkins, await trigger(jenkins, 'job/acme/job/broken', {}));
    const unknown = await executableOf(
      jenkins,
      await trigger(jenkins, 'job/acme/job/unknown-step', { REPO_URL: repo, COMMIT: commit }),
    );
    expect((await finished(jenkins, broken.url)).result).toBe('FAILURE');
    expect(await consoleText(jenkins, broken.url)).toMatch(
      /MultipleCompilationErrorsException: startup failed:\nWorkflowScript: \d+: .*@ line \d+, column \d+\./,
    );
    expect((await finished(jenkins, unknown.url)).result).toBe('FAILURE');
    expect(await consoleText(jenkins, unknown.url)).toMatch(
      /\njava\.lang\.NoSuchMethodError: No such DSL method 'slackSend' found among steps \[.*\]\n/,
    );
  });

  it('defines the job parameters a declarative parameters block declares, from the next build on', async () => {
    await ensureFolder(jenkins, 'acme');
    const script = `pipeline {
  agent any
  parameters { string(name: 'GREETING', defaultValue: 'hello', description: 'what to say') }
  stages { stage('Say') { steps { sh "echo \${params.GREETING}" } } }
}`;
    await createJob(jenkins, 'acme', 'declares', script, []);
    expect(
      (await call(jenkins, 'job/acme/job/declares/buildWithParameters', { method: 'POST' })).status,
    ).toBe(500);
    const first = await call(jenkins, 'job/acme/job/declares/build', { method: 'POST' });
    expect(first.status).toBe(201);
    const firstBuild = await executableOf(jenkins, first.headers.get('location') ?? '');
    expect((await finished(jenkins, firstBuild.url)).result).toBe('SUCCESS');
    const second = await executableOf(
      jenkins,
      await trigger(jenkins, 'job/acme/job/declares', { GREETING: 'bonjour' }),
    );
    expect((await finished(jenkins, second.url)).result).toBe('SUCCESS');
    expect(await consoleText(jenkins, second.url)).toContain('+ echo bonjour\nbonjour\n');
  });

  it('expands environment values as withEnv does, binds credentials and masks them in the log', async () => {
    await ensureFolder(jenkins, 'acme');
    const script = (id: string): string => `pipeline {
  agent any
  environment {
    GREETING = 'it\\'s $$HOME and \${BRANCH}'
    TOKEN = credentials('${id}')
  }
  stages { stage('Show') { steps { sh 'echo "$GREETING"; echo "token=$TOKEN"' } } }
}`;
    await createJob(jenkins, 'acme', 'env', script('acme.token'));
    await createJob(jenkins, 'acme', 'env-missing', script('acme.nope'));
    const good = await executableOf(jenkins, await trigger(jenkins, 'job/acme/job/env', { BRANCH: 'main' }));
    const bad = await executableOf(
      jenkins,
      await trigger(jenkins, 'job/acme/job/env-missing', { BRANCH: 'main' }),
    );
    expect((await finished(jenkins, good.url)).result).toBe('SUCCESS');
    const text = await consoleText(jenkins, good.url);
    expect(text).toContain("\nit's $HOME and main\n");
    expect(text).toContain('\ntoken=****\n');
    expect(text).not.toContain('s3cr3t-value');
    expect((await finished(jenkins, bad.url)).result).toBe('FAILURE');
    expect(await consoleText(jenkins, bad.url)).toContain(
      "ERROR: Could not find credentials entry with ID 'acme.nope'\n",
    );
  });

  it('keeps extra builds in the queue while every executor is busy', async () => {
    const small = await startJenkinsEmulator({ users: [USER], executors: 1, queueDelayMs: 10 });
    try {
      await ensureFolder(small, 'acme');
      await createJob(small, 'acme', 'slow', pipeline(`    stage('Wait') { steps { sh 'sleep 0.5' } }`));
      const first = await trigger(small, 'job/acme/job/slow', { REPO_URL: repo, COMMIT: commit });
      await executableOf(small, first);
      const second = await trigger(small, 'job/acme/job/slow', {
        REPO_URL: repo,
        COMMIT: commit,
        BRANCH: 'other',
      });
      const waiting = await waitFor('the second item to be buildable', async () => {
        const item = await json<QueueItemJson>(small, `${second}api/json`);
        return item.buildable ? item : undefined;
      });
      expect(waiting.why).toBe('Waiting for next available executor');
      expect((await json<{ inQueue: boolean }>(small, 'job/acme/job/slow/api/json')).inQueue).toBe(true);
      const duplicate = await trigger(small, 'job/acme/job/slow', {
        REPO_URL: repo,
        COMMIT: commit,
        BRANCH: 'other',
      });
      expect(duplicate).toBe(second);
      expect((await executableOf(small, second)).number).toBe(2);
      await small.waitForIdle();
      expect(
        small
          .jobs()
          .find((item) => item.fullName === 'acme/slow')
          ?.builds.map((build) => build.result),
      ).toEqual(['SUCCESS', 'SUCCESS']);
    } finally {
      await small.stop();
    }
  });

  it('aborts a running build on stop and kills its processes', async () => {
    const own = await startJenkinsEmulator({ users: [USER], queueDelayMs: 0 });
    await ensureFolder(own, 'acme');
    await createJob(
      own,
      'acme',
      'forever',
      pipeline(`    stage('Hang') { steps { sh 'echo started; sleep 30' } }`),
    );
    const executable = await executableOf(
      own,
      await trigger(own, 'job/acme/job/forever', { REPO_URL: repo, COMMIT: commit }),
    );
    await waitFor('the step to start', async () =>
      (await consoleText(own, executable.url)).includes('started\n') ? true : undefined,
    );
    const began = Date.now();
    await own.stop();
    expect(Date.now() - began).toBeLessThan(5_000);
    const build = own.jobs().find((item) => item.fullName === 'acme/forever')?.builds[0];
    expect(build?.result).toBe('ABORTED');
    expect(build?.log).toContain('Aborted by SYSTEM');
    expect(build?.log).toMatch(/Finished: ABORTED\n$/);
  });
});

describe('Jenkins emulator: security', () => {
  it('answers 403 to anonymous requests and 401 with a Basic challenge to wrong credentials', async () => {
    const anonymous = await call(jenkins, 'api/json', { auth: null });
    expect(anonymous.status).toBe(403);
    expect(anonymous.headers.get('x-you-are-authenticated-as')).toBe('anonymous');
    for (const auth of [basicAuth(USER.name, 'wrong'), basicAuth('nobody', USER.apiToken)]) {
      const response = await call(jenkins, 'api/json', { auth });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Jenkins"');
    }
    expect((await call(jenkins, 'api/json', { auth: basicAuth(USER.name, USER.password) })).status).toBe(200);
  });

  it('exempts API-token POSTs from CSRF protection but not password ones', async () => {
    await ensureFolder(jenkins, 'acme');
    await createJob(jenkins, 'acme', 'csrf', pipeline());
    const withPassword = basicAuth(USER.name, USER.password);
    const refused = await call(jenkins, 'job/acme/job/csrf/buildWithParameters', {
      method: 'POST',
      auth: withPassword,
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('No valid crumb was included in the request');
    const crumb = await json<{ crumb: string; crumbRequestField: string }>(jenkins, 'crumbIssuer/api/json');
    expect(crumb.crumbRequestField).toBe('Jenkins-Crumb');
    const passwordCrumb = (await (
      await call(jenkins, 'crumbIssuer/api/json', { auth: withPassword })
    ).json()) as { crumb: string };
    const accepted = await call(jenkins, 'job/acme/job/csrf/buildWithParameters', {
      method: 'POST',
      auth: withPassword,
      headers: { 'Jenkins-Crumb': passwordCrumb.crumb },
      body: new URLSearchParams({ REPO_URL: repo, COMMIT: commit }),
    });
    expect(accepted.status).toBe(201);
    await jenkins.waitForIdle();
  });

  it('with crumbRequired, refuses a POST without a crumb even with an API token, and takes the issued one', async () => {
    const strict = await startJenkinsEmulator({ users: [USER], crumbRequired: true });
    try {
      const post = (headers: Record<string, string>) =>
        call(strict, 'createItem?name=strict', {
          method: 'POST',
          headers: { 'Content-Type': 'application/xml', ...headers },
          body: FOLDER_CONFIG_XML,
        });
      expect((await post({})).status).toBe(403);
      expect((await post({ 'Jenkins-Crumb': 'forged' })).status).toBe(403);
      const { crumb, crumbRequestField } = await json<{ crumb: string; crumbRequestField: string }>(
        strict,
        'crumbIssuer/api/json',
      );
      expect((await post({ [crumbRequestField]: crumb })).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});

describe('Jenkins emulator: faults', () => {
  it('answers 429 with Retry-After for the next N requests, then normally again', async () => {
    jenkins.failNext(2, 429, { retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i++) {
      const response = await call(jenkins, 'api/json');
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
    }
    expect((await call(jenkins, 'api/json')).status).toBe(200);
    jenkins.failNext(1, 503);
    expect((await call(jenkins, 'api/json')).status).toBe(503);
  });

  it('fails only the requests of the method and path a fault names, in the order faults were planned', async () => {
    await ensureFolder(jenkins, 'acme');
    jenkins.failNext(1, 429, { method: 'POST', path: /\/buildWithParameters$/, retryAfterSeconds: 3 });
    jenkins.failNext(1, 503);
    expect((await call(jenkins, 'job/acme/api/json')).status).toBe(503);
    expect((await call(jenkins, 'job/acme/api/json')).status).toBe(200);
    const limited = await call(jenkins, 'job/acme/job/nothing/buildWithParameters', { method: 'POST' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await call(jenkins, 'job/acme/job/nothing/buildWithParameters', { method: 'POST' })).status).toBe(
      404,
    );
  });

  it('delays responses, goes down and comes back on the same port, and loses jobs behind the client', async () => {
    jenkins.delayNext(1, 300);
    const began = Date.now();
    expect((await call(jenkins, 'api/json')).status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);

    const url = jenkins.url;
    await jenkins.goDown();
    await expect(call(jenkins, 'api/json')).rejects.toThrow();
    await jenkins.comeBack();
    expect(jenkins.url).toBe(url);
    expect((await call(jenkins, 'api/json')).status).toBe(200);

    await ensureFolder(jenkins, 'acme');
    await createJob(jenkins, 'acme', 'doomed', pipeline());
    expect(jenkins.deleteItem('acme/doomed')).toBe(true);
    expect((await call(jenkins, 'job/acme/job/doomed/api/json')).status).toBe(404);
  });

  it('logs requests by method and path, and forgets them on reset', async () => {
    jenkins.resetRequestLog();
    await call(jenkins, 'api/json?tree=jobs[name]');
    await call(jenkins, 'api/json');
    await call(jenkins, 'job/acme/api/json');
    expect(jenkins.requestCounts()).toEqual({ 'GET /api/json': 2, 'GET /job/acme/api/json': 1 });
    expect(jenkins.requests[0]).toMatchObject({
      method: 'GET',
      path: '/api/json',
      query: 'tree=jobs[name]',
      status: 200,
    });
    jenkins.resetRequestLog();
    expect(jenkins.requests).toEqual([]);
  });
});

describe('Jenkins emulator: who am I and plugins', () => {
  it('names the authenticated user at /whoAmI/api/json', async () => {
    expect(await json(jenkins, 'whoAmI/api/json?tree=name')).toEqual({
      _class: 'hudson.security.WhoAmI',
      name: 'robot',
    });
  });

  it('lists plugins at /pluginManager/api/json: empty objects at depth 0, the properties asked for with tree', async () => {
    const shallow = await json<{ _class: string; plugins: unknown[] }>(jenkins, 'pluginManager/api/json');
    expect(shallow._class).toBe('hudson.LocalPluginManager');
    expect(shallow.plugins).toHaveLength(DEFAULT_JENKINS_PLUGINS.length);
    expect(shallow.plugins[0]).toEqual({});
    const tree = await json<{ plugins: Record<string, unknown>[] }>(
      jenkins,
      'pluginManager/api/json?tree=plugins[shortName,version,active]',
    );
    expect(tree.plugins.map((plugin) => Object.keys(plugin))[0]).toEqual(['active', 'shortName', 'version']);
    expect(tree.plugins.map((plugin) => plugin.shortName)).toEqual(
      expect.arrayContaining(['workflow-job', 'workflow-cps', 'pipeline-model-definition', 'git', 'junit']),
    );
    expect(tree.plugins.every((plugin) => plugin.active === true)).toBe(true);
  });

  it('refuses the plugin list to a user without Overall/Administer, saying who and what is missing', async () => {
    const clerk = { name: 'clerk', apiToken: 'clerk-token-0a9b8c', admin: false };
    const restricted = await startJenkinsEmulator({ users: [clerk], plugins: [] });
    try {
      const auth = basicAuth(clerk.name, clerk.apiToken);
      const refused = await call(restricted, 'pluginManager/api/json', { auth });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-you-are-authenticated-as')).toBe('clerk');
      expect(refused.headers.get('x-required-permission')).toBe('hudson.model.Hudson.Administer');
      expect(await refused.text()).toContain('clerk is missing the Overall/Administer permission');
      expect((await call(restricted, 'api/json', { auth })).status).toBe(200);
    } finally {
      await restricted.stop();
    }
  });
});

describe('Jenkins emulator: notifications', () => {
  let receiver: Server;
  const received: Record<string, unknown>[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('POSTs the Notification plugin JSON for QUEUED, STARTED, COMPLETED and FINALIZED', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const notifying = await startJenkinsEmulator({
      users: [USER],
      notifyUrl: `http://127.0.0.1:${port}/jenkins`,
    });
    try {
      await ensureFolder(notifying, 'acme');
      await createJob(notifying, 'acme', 'told', pipeline(`    stage('Build') { steps { sh 'true' } }`));
      await trigger(notifying, 'job/acme/job/told', { REPO_URL: repo, COMMIT: commit, BRANCH: 'main' });
      await notifying.waitForIdle();
      expect(received.map((body) => (body.build as { phase: string }).phase)).toEqual([
        'QUEUED',
        'STARTED',
        'COMPLETED',
        'FINALIZED',
      ]);
      expect(received[3]).toMatchObject({
        name: 'told',
        url: 'job/acme/job/told/',
        build: {
          full_url: `${notifying.url}job/acme/job/told/1/`,
          number: 1,
          phase: 'FINALIZED',
          status: 'SUCCESS',
          url: 'job/acme/job/told/1/',
          scm: { commit, url: repo },
          parameters: { REPO_URL: repo, COMMIT: commit, BRANCH: 'main' },
        },
      });
      expect(received[1]?.build).not.toHaveProperty('status');
    } finally {
      await notifying.stop();
    }
  });
});

describe('Jenkins emulator: Jenkinsfile parsing', () => {
  const steps = (body: string) =>
    parsePipeline(`pipeline { agent any\n stages { stage('S') { steps {\n${body}\n} } } }`).stages[0]
      ?.steps ?? [];
  const cases: [string, string, unknown][] = [
    [
      "single quotes with \\' and \\\\",
      `sh 'echo it\\'s a \\\\ path'`,
      { kind: 'string', value: "echo it's a \\ path" },
    ],
    [
      'triple single quotes keep newlines and $',
      "sh '''echo $HOME\necho two'''",
      { kind: 'string', value: 'echo $HOME\necho two' },
    ],
    [
      'triple double quotes interpolate',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Groovy interpolation, not JavaScript
      'sh """echo ${params.COMMIT} \\$HOME"""',
      { kind: 'gstring', parts: [{ text: 'echo ' }, { expr: 'params.COMMIT' }, { text: ' $HOME' }] },
    ],
    ['named script argument', "sh script: 'make', label: 'build'", undefined],
    [
      'string concatenation',
      "sh 'make ' +\n  params.TARGET",
      {
        kind: 'plus',
        left: { kind: 'string', value: 'make ' },
        right: { kind: 'property', target: { kind: 'ident', name: 'params' }, name: 'TARGET' },
      },
    ],
  ];
  it.each(cases)('parses %s', (_name, source, expected) => {
    const [step] = steps(source);
    expect(step?.name).toBe('sh');
    if (expected === undefined) expect(step?.args.named.map(([key]) => key)).toEqual(['script', 'label']);
    else expect(step?.args.positional[0]).toEqual(expected);
  });

  it('reports where a script does not compile', () => {
    expect(() => parsePipeline("pipeline {\n  stages {\n    stage('A') { steps { sh 'x\n")).toThrow(
      CompileError,
    );
    expect(() => parsePipeline('node { sh "x" }')).toThrow(/declarative/);
    expect(() =>
      parsePipeline(
        "pipeline { agent any\n stages { stage('A') { when { branch 'main' }\n steps { sh 'x' } } } }",
      ),
    ).toThrow(/Unknown stage section "when"/);
  });

  it('uses the default user when none are configured', async () => {
    const plain = await startJenkinsEmulator();
    try {
      expect(
        (
          await call(plain, 'api/json', {
            auth: basicAuth(DEFAULT_JENKINS_USER.name, DEFAULT_JENKINS_USER.apiToken),
          })
        ).status,
      ).toBe(200);
    } finally {
      await plain.stop();
    }
  });
});
