import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJenkinsfile } from '../../src/backends/jenkins/jenkinsfile.js';
import { loadFleet } from '../../src/fleet/load.js';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator } from '../emulators/jenkins/index.js';
import { TEST_NOW } from '../helpers/clock.js';
import { DEFAULT_CONSTITUTION, type FleetRepo } from '../helpers/fleet-repo.js';
import { git } from '../helpers/git.js';
import { createJenkinsFleet, reconcileJenkinsFleet, useEmulatedJenkins } from '../helpers/jenkins-fleet.js';

const BRANCH = 'codemonkeys/jenkinsfile';
let jenkins: JenkinsEmulator;
const repos: FleetRepo[] = [];
let fleets = 0;
useEmulatedJenkins(repos, (started) => {
  jenkins = started;
});

async function jenkinsFleet(constitution = DEFAULT_CONSTITUTION): Promise<FleetRepo> {
  fleets++;
  const repo = await createJenkinsFleet(jenkins, { folder: `jf-${fleets}`, constitution });
  repos.push(repo);
  return repo;
}

function run(repo: FleetRepo, options: { dryRun?: boolean } = {}) {
  return reconcileJenkinsFleet(repo, DEFAULT_JENKINS_USER.apiToken, { dryRun: options.dryRun ?? false });
}

async function generated(repo: FleetRepo): Promise<string> {
  const loaded = await loadFleet({ now: TEST_NOW, fleet: repo.fleetDir, cwd: repo.root, env: process.env });
  const product = loaded.fleet?.products.get('acme/widget');
  if (!product) throw new Error('no product');
  return renderJenkinsfile(product);
}

const bare = (repo: FleetRepo) => join(repo.root, 'repos/acme/widget.git');
const kinds = (executed: { kind: string; outcome: string }[]) =>
  executed.filter((action) => action.kind === 'jenkinsfile.propose').map((action) => action.outcome);

describe('the Jenkinsfile a product repo keeps', () => {
  it('is proposed once on a branch of the product repo, then waits for review, then is current once merged', async () => {
    const repo = await jenkinsFleet();
    const first = await run(repo);
    expect(first.converged).toBe(true);
    expect(kinds(first.executed)).toEqual(['succeeded']);
    const main = await git(bare(repo), 'rev-parse', 'main');
    expect(await git(bare(repo), 'rev-parse', `${BRANCH}^`)).toBe(main);
    expect(`${await git(bare(repo), 'show', `${BRANCH}:Jenkinsfile`)}\n`).toBe(await generated(repo));
    expect(first.conditions.get('acme/widget')?.find((c) => c.type === 'Ready')?.message).toMatch(
      /the generated Jenkinsfile waits on branch codemonkeys\/jenkinsfile for review/,
    );

    const again = await run(repo);
    expect(kinds(again.executed)).toEqual([]);

    // The owner merges the proposal: main now carries the generated Jenkinsfile.
    const work = join(repo.root, 'work/acme/widget');
    await git(work, 'pull', '-q', 'origin', BRANCH);
    await git(work, 'push', '-q', 'origin', 'main');
    const merged = await run(repo);
    expect(kinds(merged.executed)).toEqual([]);
    expect(merged.converged).toBe(true);
    expect(merged.conditions.get('acme/widget')?.find((c) => c.type === 'Ready')?.message).not.toMatch(
      /Jenkinsfile/,
    );
  });

  it('shows a committed Jenkinsfile that drifted as a proposal with its diff in the plan', async () => {
    const repo = await jenkinsFleet();
    await repo.commitToProduct('acme', 'widget', 'Jenkinsfile', 'pipeline { agent any }\n');
    const plan = (await run(repo, { dryRun: true })).plan;
    const action = plan.actions.find((each) => each.kind === 'jenkinsfile.propose');
    expect(action?.reason).toMatch(
      /^the Jenkinsfile on main differs from the one its spec gives \(\+\d+ −1 lines\)/,
    );
    expect(String(action?.params.diff)).toContain('-pipeline { agent any }');
    expect(action?.paths).toEqual(['Jenkinsfile']);
  });

  it('is never pushed when the constitution denies it, and the plan says which rule', async () => {
    const constitution = DEFAULT_CONSTITUTION.replace(
      'rules: []',
      'rules:\n    - { id: no-jenkinsfile-branches, match: { actions: ["jenkinsfile.*"] }, effect: deny, message: we keep our own Jenkinsfiles }',
    );
    const repo = await jenkinsFleet(constitution);
    const result = await run(repo);
    expect(kinds(result.executed)).toEqual([]);
    const action = result.plan.actions.find((each) => each.kind === 'jenkinsfile.propose');
    expect(action?.verdict).toMatchObject({ effect: 'deny', rules: ['no-jenkinsfile-branches'] });
    expect(await git(bare(repo), 'branch', '--list', BRANCH)).toBe('');
    // The build itself is not held up by the denied proposal.
    expect(jenkins.jobs().find((job) => job.fullName === `jf-${fleets}/acme/widget`)?.builds).toHaveLength(1);
  });
});
