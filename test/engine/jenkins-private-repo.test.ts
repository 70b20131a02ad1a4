import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/engine/reconcile.js';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator } from '../emulators/jenkins/index.js';
import { type FleetRepo, makeLibPrivate } from '../helpers/fleet-repo.js';
import { type GitHttpServer, startGitHttpServer } from '../helpers/git-http-server.js';
import { createJenkinsFleet, reconcileJenkinsFleet, useEmulatedJenkins } from '../helpers/jenkins-fleet.js';

const TOKEN = 'ghp_J3nkinsPrivate0Repo1Token2';
let jenkins: JenkinsEmulator;
const repos: FleetRepo[] = [];
const servers: GitHttpServer[] = [];
/** Each test's fleet builds in a top folder of its own: the emulator lives as long as the file. */
let fleets = 0;
useEmulatedJenkins(repos, (started) => {
  jenkins = started;
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/**
 * A fleet whose acme/lib lives on a git server that wants the token, builds on the emulated
 * Jenkins, and names org acme's credential `gitToken`, which fleet.yaml maps to the Jenkins
 * credential `credentialsId`.
 */
async function privateJenkinsFleet(credentialsId: string): Promise<{ repo: FleetRepo; folder: string }> {
  const folder = `private-${++fleets}`;
  const repo = await createJenkinsFleet(jenkins, {
    folder,
    products: [
      { org: 'acme', name: 'lib', steps: ['test -f README.md', 'echo built from the private repo'] },
    ],
  });
  repos.push(repo);
  const server = await startGitHttpServer(join(repo.root, 'repos'), TOKEN);
  servers.push(server);
  makeLibPrivate(repo, { credential: 'gitToken', env: 'ACME_GIT_TOKEN', url: `${server.url}/acme/lib.git` });
  const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
  writeFileSync(
    fleetYaml,
    readFileSync(fleetYaml, 'utf8').replace(
      `folder: ${folder} }`,
      `folder: ${folder}, credentials: { acme/gitToken: ${credentialsId} } }`,
    ),
  );
  await repo.commitFleet('acme/lib is private and builds on jenkins');
  return { repo, folder };
}

function run(repo: FleetRepo, options: { dryRun?: boolean } = {}): Promise<ReconcileResult> {
  return reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken, {
    env: { ...process.env, TEST_JENKINS_TOKEN: DEFAULT_JENKINS_USER.apiToken, ACME_GIT_TOKEN: TOKEN },
    ...(options.dryRun ? { dryRun: true, once: true, maxPasses: 1 } : {}),
  });
}

/** The build actions executed, as `kind outcome`. */
function builds(result: ReconcileResult): string[] {
  return result.executed
    .filter((action) => action.kind.startsWith('build.'))
    .map((action) => `${action.kind} ${action.outcome}`);
}

function libJob(folder: string) {
  const job = jenkins.jobs().find((item) => item.fullName === `${folder}/acme/lib`);
  if (!job) throw new Error(`no job ${folder}/acme/lib`);
  return job;
}

describe('a product in a private repository that builds on Jenkins', () => {
  it('is checked out by Jenkins with the mapped Jenkins credential, and converges green without the token anywhere', async () => {
    jenkins.addCredential({ id: 'acme-git-token', username: 'x-access-token', password: TOKEN });
    const { repo, folder } = await privateJenkinsFleet('acme-git-token');
    const result = await run(repo);
    expect(result.converged).toBe(true);
    expect(builds(result)).toEqual(['build.configure succeeded', 'build.trigger succeeded']);
    expect(result.conditions.get('acme/lib')?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
    });
    const job = libJob(folder);
    expect(job.configXml).toContain('credentialsId: &apos;acme-git-token&apos;, url: params.REPO_URL');
    expect(job.builds.map((build) => build.result)).toEqual(['SUCCESS']);
    const log = job.builds[0]?.log ?? '';
    expect(log).toContain('using credential acme-git-token\n');
    expect(log).toContain('built from the private repo');
    expect(log).not.toContain(TOKEN);
    expect(JSON.stringify(job)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('fails its build when Jenkins has no such credential, the failure naming the id and never the token', async () => {
    const { repo, folder } = await privateJenkinsFleet('acme-git-missing');
    const result = await run(repo);
    const stalled = result.conditions.get('acme/lib')?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'BuildFailed' });
    expect(stalled?.message).toMatch(
      /failed: stage 'Checkout' of Jenkins build #1 \(FAILURE, Jenkins credential 'acme-git-missing' could not be found\) failed/,
    );
    expect(libJob(folder).builds[0]?.log).toContain(
      'Warning: CredentialId "acme-git-missing" could not be found.',
    );
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('fails its build when the Jenkins credential holds a wrong password, naming the id and neither secret', async () => {
    const stale = 'ghp_Stale0Password1NotTheToken';
    jenkins.addCredential({ id: 'acme-git-stale', username: 'x-access-token', password: stale });
    const { repo, folder } = await privateJenkinsFleet('acme-git-stale');
    const result = await run(repo);
    const stalled = result.conditions.get('acme/lib')?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'BuildFailed' });
    expect(stalled?.message).toContain(
      "stage 'Checkout' of Jenkins build #1 (FAILURE, cloning with Jenkins credential 'acme-git-stale') failed",
    );
    expect(libJob(folder).builds[0]?.log).toMatch(
      /fatal: Authentication failed for 'http:\/\/127\.0\.0\.1:\d+\//,
    );
    for (const secret of [TOKEN, stale]) {
      expect(JSON.stringify(result)).not.toContain(secret);
      expect(libJob(folder).builds[0]?.log).not.toContain(secret);
    }
  });

  it('updates the job when fleet.yaml maps another Jenkins credential, shown in the plan, without building again', async () => {
    jenkins.addCredential({ id: 'acme-git-2026', username: 'x-access-token', password: TOKEN });
    jenkins.addCredential({ id: 'acme-git-2027', username: 'x-access-token', password: TOKEN });
    const { repo, folder } = await privateJenkinsFleet('acme-git-2026');
    expect((await run(repo)).converged).toBe(true);
    const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
    writeFileSync(fleetYaml, readFileSync(fleetYaml, 'utf8').replace('acme-git-2026', 'acme-git-2027'));
    await repo.commitFleet('rotate the Jenkins credential of acme/lib');

    const planned = await run(repo, { dryRun: true });
    const configure = planned.plan.actions.find((action) => action.kind === 'build.configure');
    expect(configure).toMatchObject({
      product: 'acme/lib',
      reason: 'the jenkins job of acme/lib differs from its spec',
      blockedBy: [],
    });
    expect(libJob(folder).configXml).toContain('acme-git-2026');

    const applied = await run(repo);
    expect(applied.converged).toBe(true);
    expect(builds(applied)).toEqual(['build.configure succeeded']);
    const job = libJob(folder);
    expect(job.configXml).toContain('credentialsId: &apos;acme-git-2027&apos;');
    expect(job.builds.map((build) => build.result)).toEqual(['SUCCESS']);
  });
});
