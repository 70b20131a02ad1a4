import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JenkinsApi } from '../../src/backends/jenkins/client.js';
import { commitAll, git, tempDir } from '../helpers/git.js';
import { type GitHttpServer, startGitHttpServer } from '../helpers/git-http-server.js';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator, startJenkinsEmulator } from './jenkins/index.js';
import { FOLDER_CONFIG_XML, pipelineConfigXml } from './jenkins/testing.js';

const TOKEN = 'glpat-Jenk1ns-credential-t0ken';
const temp = tempDir('cm-jenkins-cred-');
let jenkins: JenkinsEmulator;
let server: GitHttpServer;
let api: JenkinsApi;
let url: string;
let commit: string;
let jobs = 0;

/** A job that checks out REPO_URL at COMMIT with the credential CRED names (none when it is empty), then looks at the tree. */
const SCRIPT = `pipeline {
  agent any
  stages {
    stage('Checkout') {
      steps {
        checkout([$class: 'GitSCM', branches: [[name: params.COMMIT]], userRemoteConfigs: [[credentialsId: params.CRED, url: params.REPO_URL]]])
      }
    }
    stage('Look') { steps { sh 'cat README.md' } }
  }
}`;

beforeAll(async () => {
  const work = join(temp.dir, 'work');
  await git(temp.dir, 'init', '-q', '-b', 'main', work);
  writeFileSync(join(work, 'README.md'), 'a private readme\n');
  commit = await commitAll(work, 'first');
  await git(temp.dir, 'clone', '-q', '--bare', work, join(temp.dir, 'repos', 'acme', 'lib.git'));
  server = await startGitHttpServer(join(temp.dir, 'repos'), TOKEN);
  url = `${server.url}/acme/lib.git`;
  jenkins = await startJenkinsEmulator({ queueDelayMs: 10, credentials: { 'acme-text': TOKEN } });
  api = new JenkinsApi({
    url: jenkins.url,
    user: DEFAULT_JENKINS_USER.name,
    token: DEFAULT_JENKINS_USER.apiToken,
  });
  await api.create(['private'], FOLDER_CONFIG_XML);
});
afterAll(async () => {
  await jenkins?.stop();
  await server?.close();
  temp.cleanup();
});

/** Builds the checkout job once, with `CRED` as its credential id; its result and console log. */
async function buildWith(
  credentialsId: string,
  repoUrl = url,
): Promise<{ result: string | null; log: string }> {
  const name = `job-${++jobs}`;
  await api.create(['private', name], pipelineConfigXml(SCRIPT, ['REPO_URL', 'COMMIT', 'CRED']));
  await api.build(['private', name], { REPO_URL: repoUrl, COMMIT: commit, CRED: credentialsId });
  await jenkins.waitForIdle();
  const build = jenkins.jobs().find((item) => item.fullName === `private/${name}`)?.builds[0];
  if (!build) throw new Error(`private/${name} has no build`);
  return { result: build.result, log: build.log };
}

describe("the emulator's checkout of a repository behind a login", () => {
  it('clones with the username and password of the credential it names, and never shows the password', async () => {
    jenkins.addCredential({ id: 'acme-git', username: 'x-access-token', password: TOKEN });
    const before = server.requests.length;
    const { result, log } = await buildWith('acme-git');
    expect(result).toBe('SUCCESS');
    expect(log).toContain(
      'The recommended git tool is: NONE\nusing credential acme-git\nCloning the remote Git repository\n',
    );
    expect(log).toContain('using GIT_ASKPASS to set credentials');
    expect(log).toContain(`Checking out Revision ${commit} (detached)`);
    expect(log).toContain('a private readme');
    expect(log).not.toContain(TOKEN);
    const requests = server.requests.slice(before);
    expect(requests.some((request) => request.status === 200 && request.user === 'x-access-token')).toBe(
      true,
    );
    // The token travels in Basic auth only: never in a path git asked for.
    expect(requests.every((request) => !request.path.includes(TOKEN))).toBe(true);
  });

  it('warns that an unknown credential could not be found, then fails the clone as git does without a login', async () => {
    const before = server.requests.length;
    const { result, log } = await buildWith('acme-nope');
    expect(result).toBe('FAILURE');
    expect(log).toContain(
      'Warning: CredentialId "acme-nope" could not be found.\nCloning the remote Git repository\n',
    );
    expect(log).not.toContain('using GIT_ASKPASS');
    expect(log).toMatch(
      /stderr: fatal: could not read Username for 'http:\/\/127\.0\.0\.1:\d+': terminal prompts disabled/,
    );
    expect(log).toContain('Stage "Look" skipped due to earlier failure(s)');
    expect(log).toContain("ERROR: Error cloning remote repo 'origin'\nFinished: FAILURE\n");
    const refused = server.requests.slice(before);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((request) => request.status === 401 && request.user === undefined)).toBe(true);
  });

  it('does not clone with a secret text: the git plugin looks for a username with password', async () => {
    const { result, log } = await buildWith('acme-text');
    expect(result).toBe('FAILURE');
    expect(log).toContain('Warning: CredentialId "acme-text" could not be found.');
    expect(log).not.toContain(TOKEN);
  });

  it('fails the clone with git authentication error when the password is wrong, showing neither password', async () => {
    jenkins.addCredential({ id: 'acme-stale', username: 'x-access-token', password: 'wrong-password-4711' });
    const { result, log } = await buildWith('acme-stale');
    expect(result).toBe('FAILURE');
    expect(log).toContain('using credential acme-stale\n');
    expect(log).toMatch(/\nfatal: Authentication failed for 'http:\/\/127\.0\.0\.1:\d+\/acme\/lib\.git\/'/);
    expect(log).not.toContain('wrong-password-4711');
    expect(log).not.toContain(TOKEN);
  });

  it('reads the store at each checkout: a credential removed since is no longer found', async () => {
    jenkins.addCredential({ id: 'acme-brief', username: 'x-access-token', password: TOKEN });
    expect((await buildWith('acme-brief')).result).toBe('SUCCESS');
    expect(jenkins.removeCredential('acme-brief')).toBe(true);
    const { result, log } = await buildWith('acme-brief');
    expect(result).toBe('FAILURE');
    expect(log).toContain('Warning: CredentialId "acme-brief" could not be found.');
  });

  it('says no credentials are specified for a checkout that names none', async () => {
    const { log } = await buildWith('', join(temp.dir, 'repos', 'acme', 'lib.git'));
    expect(log).toContain('The recommended git tool is: NONE\nNo credentials specified\n');
  });
});

describe('a username with password bound in environment', () => {
  it('sets NAME to user:password, NAME_USR and NAME_PSW, and masks the password', async () => {
    jenkins.addCredential({ id: 'acme-login', username: 'robot', password: 'p4ss-w0rd-in-env' });
    const script = `pipeline {
  agent any
  environment { LOGIN = credentials('acme-login') }
  stages { stage('Show') { steps { sh 'echo "user=$LOGIN_USR both=$LOGIN psw=$LOGIN_PSW"' } } }
}`;
    await api.create(['private', 'env-login'], pipelineConfigXml(script, ['GREETING']));
    await api.build(['private', 'env-login'], { GREETING: 'hello' });
    await jenkins.waitForIdle();
    const build = jenkins.jobs().find((item) => item.fullName === 'private/env-login')?.builds[0];
    expect(build?.result).toBe('SUCCESS');
    expect(build?.log).toContain('\nuser=robot both=**** psw=****\n');
    expect(build?.log).not.toContain('p4ss-w0rd-in-env');
  });
});
