import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/engine/reconcile.js';
import { createLogger } from '../../../src/log/logger.js';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator } from '../../emulators/jenkins/index.js';
import { ensureBuilt } from '../../helpers/build.js';
import { clockFrom, SATURDAY_NOON_BERLIN } from '../../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../../helpers/fleet-repo.js';
import { git } from '../../helpers/git.js';
import {
  createJenkinsFleet,
  reconcileJenkinsFleet,
  useEmulatedJenkins,
} from '../../helpers/jenkins-fleet.js';

/*
 * A change of a product's build spec rebuilds its branch head, once: over a real fleet repo, real
 * product repositories and the real local runner (and the emulated Jenkins), through reconcile.
 */

const logger = createLogger({ level: 'silent' });
const clock = clockFrom(SATURDAY_NOON_BERLIN);
const repos: FleetRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});
beforeAll(() => ensureBuilt(), 120_000);

const LIB = { org: 'acme', name: 'lib', steps: ['test -f README.md'] };

async function fleet(): Promise<FleetRepo> {
  const repo = await createFleetRepo([LIB]);
  repos.push(repo);
  return repo;
}

function run(repo: FleetRepo, options: { dryRun?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  return reconcile({
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: options.env ?? process.env,
    logger,
    clock,
    dryRun: options.dryRun === true,
    once: options.dryRun === true,
    maxPasses: 60,
  });
}

/** Replaces the product's build block and commits the fleet. */
async function changeBuild(repo: FleetRepo, build: Record<string, unknown>): Promise<void> {
  const path = join(repo.fleetDir, 'products/acme/lib.yaml');
  const text = readFileSync(path, 'utf8').replace(/^ {2}build: .*$/m, `  build: ${JSON.stringify(build)}`);
  writeFileSync(path, text);
  await repo.commitFleet('change the build');
}

/** The build actions executed, as `kind product outcome`. */
function triggered(executed: { kind: string; product: string; outcome: string }[]): string[] {
  return executed
    .filter((action) => action.kind.startsWith('build.'))
    .map((action) => `${action.kind} ${action.product} ${action.outcome}`);
}

/** Every record.json the local runner wrote for the fleet; the runs of a commit oldest first. */
function records(repo: FleetRepo): string[] {
  const dir = join(repo.fleetDir, '.codemonkeys');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('record.json'))
    .sort()
    .map((path) => join(dir, path));
}

async function shortHead(repo: FleetRepo): Promise<string> {
  return (await git(join(repo.root, 'repos/acme/lib.git'), 'rev-parse', 'main')).slice(0, 7);
}

describe('a changed build spec on the local runner', () => {
  it('builds the head again once when the steps change, saying why, then converges', async () => {
    const repo = await fleet();
    expect(triggered((await run(repo)).executed)).toEqual(['build.trigger acme/lib succeeded']);
    await changeBuild(repo, { steps: ['test -f README.md', 'echo second step'], timeout: '1m' });
    const planned = await run(repo, { dryRun: true });
    expect(planned.plan.actions.map((action) => action.reason)).toEqual([
      `the build spec changed since main@${await shortHead(repo)} was built (steps)`,
    ]);
    const rebuilt = await run(repo);
    expect(rebuilt.converged).toBe(true);
    expect(triggered(rebuilt.executed)).toEqual(['build.trigger acme/lib succeeded']);
    const [first, second] = records(repo).map((path) => JSON.parse(readFileSync(path, 'utf8')));
    expect(second.state).toBe('succeeded');
    expect(second.spec.hash).not.toBe(first.spec.hash);
    expect(readFileSync(second.logRef, 'utf8')).toContain('second step');
    expect((await run(repo)).executed).toEqual([]);
  });

  it('builds the head again when its env changes, taking a secret as its reference', async () => {
    const repo = await fleet();
    await run(repo);
    const steps = ['test -f README.md', 'echo "$GREETING, token $TOKEN"'];
    await changeBuild(repo, { steps, timeout: '1m' });
    await run(repo);
    const secret = (value: string) => ({ ...process.env, LIB_TEST_TOKEN: value });
    const env = { GREETING: 'hello', TOKEN: { env: 'LIB_TEST_TOKEN' } };
    await changeBuild(repo, { steps, timeout: '1m', env });
    const planned = await run(repo, { dryRun: true, env: secret('lib-secret-value-1') });
    expect(planned.plan.actions.map((action) => action.reason)).toEqual([
      `the build spec changed since main@${await shortHead(repo)} was built (env)`,
    ]);
    const rebuilt = await run(repo, { env: secret('lib-secret-value-1') });
    expect(triggered(rebuilt.executed)).toEqual(['build.trigger acme/lib succeeded']);
    await changeBuild(repo, { steps, timeout: '1m', env: { ...env, GREETING: 'hi' } });
    expect(triggered((await run(repo, { env: secret('lib-secret-value-1') })).executed)).toEqual([
      'build.trigger acme/lib succeeded',
    ]);
    // Another value behind the same reference is the same spec: nothing to build.
    expect((await run(repo, { env: secret('lib-secret-value-2') })).executed).toEqual([]);
    const saved = records(repo).map((path) => JSON.parse(readFileSync(path, 'utf8')));
    expect(saved).toHaveLength(4);
    expect(readFileSync(saved[3].logRef, 'utf8')).toContain('hi, token [REDACTED]');
    for (const record of saved) expect(JSON.stringify(record)).not.toContain('lib-secret-value');
  });

  it('builds nothing again while the spec is unchanged', async () => {
    const repo = await fleet();
    await run(repo);
    // The same spec written another way (the timeout, the key order) is the same spec.
    await changeBuild(repo, { timeout: '60s', steps: ['test -f README.md'] });
    expect((await run(repo)).executed).toEqual([]);
    expect(records(repo)).toHaveLength(1);
  });

  it('takes a build recorded without a spec (before the upgrade) as current: nothing is built again', async () => {
    const repo = await fleet();
    await run(repo);
    for (const path of records(repo)) {
      const { spec: _spec, ...old } = JSON.parse(readFileSync(path, 'utf8'));
      writeFileSync(path, JSON.stringify(old));
    }
    expect((await run(repo)).executed).toEqual([]);
    // Not even for a spec changed since: nothing tells what the head was built with.
    await changeBuild(repo, { steps: ['test -f README.md', 'true'], timeout: '1m' });
    expect((await run(repo)).executed).toEqual([]);
    // The next commit is built with the spec as it is, and recorded with it.
    const next = await repo.commitToProduct('acme', 'lib', 'README.md', '# lib, again\n');
    expect(triggered((await run(repo)).executed)).toEqual(['build.trigger acme/lib succeeded']);
    const built = records(repo).map((path) => JSON.parse(readFileSync(path, 'utf8')));
    expect(built.find((record) => record.commit === next)?.spec.hash).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('a changed build spec on Jenkins', () => {
  let jenkins: JenkinsEmulator;
  const jenkinsRepos: FleetRepo[] = [];
  useEmulatedJenkins(jenkinsRepos, (started) => {
    jenkins = started;
  });

  it('reconfigures the job and builds the head again there once, then converges', async () => {
    const repo = await createJenkinsFleet(jenkins, { folder: 'spec-change' });
    jenkinsRepos.push(repo);
    const token = DEFAULT_JENKINS_USER.apiToken;
    const first = await reconcileJenkinsFleet(repo, token, { clock });
    expect(triggered(first.executed)).toEqual([
      'build.configure acme/widget succeeded',
      'build.trigger acme/widget succeeded',
    ]);
    const path = join(repo.fleetDir, 'products/acme/widget.yaml');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        /^ {2}build: .*$/m,
        '  build: { steps: ["echo rebuilt on jenkins"], timeout: 1m }',
      ),
    );
    await repo.commitFleet('change the steps');
    const rebuilt = await reconcileJenkinsFleet(repo, token, { clock });
    expect(rebuilt.converged).toBe(true);
    expect(triggered(rebuilt.executed)).toEqual([
      'build.configure acme/widget succeeded',
      'build.trigger acme/widget succeeded',
    ]);
    const builds = jenkins.jobs().find((item) => item.fullName === 'spec-change/acme/widget')?.builds ?? [];
    expect(builds.map((build) => build.result)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(builds[0]?.parameters.COMMIT).toBe(builds[1]?.parameters.COMMIT);
    expect(builds[1]?.parameters.BUILD_SPEC).toMatch(/^[0-9a-f]{12} steps:[0-9a-f]{8} /);
    expect(builds[1]?.parameters.BUILD_SPEC).not.toBe(builds[0]?.parameters.BUILD_SPEC);
    expect(builds[1]?.log).toContain('rebuilt on jenkins');
    expect((await reconcileJenkinsFleet(repo, token, { clock })).executed).toEqual([]);
  });
});
