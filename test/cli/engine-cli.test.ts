import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { CLI, runCli } from '../helpers/cli.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';

// Each test has a fleet of its own: none depends on what another did.
let repo: FleetRepo;
const cli = (...args: string[]) => runCli(['--fleet', repo.fleetDir, ...args], { cwd: repo.root });

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  repo = await createFleetRepo(
    [
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'gated' },
    ],
    'apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: rules }\nspec:\n  rules:\n    - { id: ask-alice, match: { products: [acme/gated] }, effect: require-approval, approvers: [alice] }\n',
  );
}, 120_000);
afterEach(() => repo.cleanup());

/** Approves acme/gated's build as alice, the one action the constitution holds. */
async function approveGated(): Promise<string> {
  const plan = JSON.parse((await cli('plan', '--format', 'json')).stdout);
  const gated = plan.actions.find((a: { product: string }) => a.product === 'acme/gated');
  const approve = await cli('approve', gated.id, '--by', 'alice', '--reason', 'looked at it');
  expect(approve).toMatchObject({ exitCode: 0, stdout: `approved action ${gated.id} by alice` });
  return gated.id;
}

describe('the engine commands, run as a user would', () => {
  it('reconcile --dry-run says so first and writes no state', async () => {
    const run = await cli('reconcile', '--dry-run');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('DRY RUN: observed, planned and gated; nothing will be executed.');
    expect(run.stdout).toMatch(/awaiting approval by alice \(ask-alice\)/);
    expect(existsSync(join(repo.fleetDir, '.codemonkeys'))).toBe(false);
  });

  it('plan --detailed-exitcode exits 2 with changes, and prints JSON with the documented fields', async () => {
    const run = await cli('plan', '--detailed-exitcode', '--format', 'json');
    expect(run.exitCode).toBe(2);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({
      dryRun: true,
      fleet: { revision: expect.stringMatching(/^[0-9a-f]{40}$/) },
      summary: { actions: 2, runnable: 1, blocked: 1 },
    });
    expect(Object.keys(plan.actions[0]).sort()).toEqual(
      expect.arrayContaining([
        'id',
        'product',
        'facet',
        'kind',
        'reason',
        'dependsOn',
        'verdict',
        'blockedBy',
      ]),
    );
    expect(plan.actions.find((a: { product: string }) => a.product === 'acme/gated').verdict).toMatchObject({
      effect: 'require-approval',
      rules: ['ask-alice'],
    });
  });

  it('apply refuses to run without confirmation when not on a terminal', async () => {
    const run = await cli('apply');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/pass --auto-approve/);
  });

  it('apply on a terminal shows the plan and, unless the answer is yes, writes nothing', async () => {
    // `script` gives the command a terminal, as a user at a shell has.
    const run = await execa('script', ['-qec', `node ${CLI} --fleet ${repo.fleetDir} apply`, '/dev/null'], {
      cwd: repo.root,
      env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      input: 'no\n',
      reject: false,
    });
    expect(run.stdout).toMatch(/build\.trigger/);
    expect(run.stdout).toMatch(/Apply this plan\? Only "yes" is accepted/);
    expect(run.stdout).toMatch(/Apply cancelled: nothing was done\./);
    expect(run.exitCode).toBe(1);
    expect(existsSync(join(repo.fleetDir, '.codemonkeys'))).toBe(false);
  });

  it('apply of a saved plan is refused once it is stale, and runs when fresh', async () => {
    const saved = join(repo.root, 'plan.json');
    expect((await cli('plan', '--out', saved)).exitCode).toBe(0);
    await repo.commitToProduct('acme', 'lib', 'README.md', '# lib 2\n');
    const stale = await cli('apply', '--plan', saved);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/the saved plan [0-9a-f]{16} is stale/);
    expect((await cli('plan', '--out', saved)).exitCode).toBe(0);
    const fresh = await cli('apply', '--plan', saved);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.stdout).toMatch(/✓ build\.trigger\s+acme\/lib\s+succeeded/);
  });

  it('reconcile exits 2 while an action awaits approval, 0 once every product is Ready, 1 when --max-passes stops it', async () => {
    const cut = await cli('reconcile', '--max-passes', '1', '--format', 'json');
    expect(cut.exitCode).toBe(1);
    expect(JSON.parse(cut.stdout)).toMatchObject({ converged: false, gaveUp: [] });
    const waiting = await cli('reconcile');
    expect(waiting.exitCode).toBe(2);
    expect(waiting.stdout).toMatch(/acme\/gated\s+False\s+Stalled\s+AwaitingApproval/);
    const json = await cli('reconcile', '--format', 'json');
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ converged: true, gaveUp: [] });
    expect((await cli('reconcile', '--once')).exitCode).toBe(0);
    await approveGated();
    expect((await cli('reconcile')).exitCode).toBe(0);
    expect((await cli('reconcile', '--format', 'json')).exitCode).toBe(0);
  });

  it('approve takes an attributed approval that unblocks the action, and audit records it', async () => {
    expect((await cli('approve', 'not-an-id', '--by', 'alice')).stderr).toMatch(/neither an action id/);
    await approveGated();
    const reconcile = await cli('reconcile');
    expect(reconcile.exitCode).toBe(0);
    expect(reconcile.stdout).toMatch(/✓ build\.trigger\s+acme\/gated\s+succeeded/);
    expect(reconcile.stdout).toMatch(
      /^converged: 0 actions left, 0 runnable, 0 blocked \(each product reconciled at most \d+ times?\)$/m,
    );
    const audit = await cli('audit', '--format', 'json');
    expect(JSON.parse(audit.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'approval', actor: 'alice' })]),
    );
    expect((await cli('audit', '--verify')).stdout).toMatch(/audit chain intact: \d+ entries/);
  });

  it('approve of a whole plan counts in reconcile for the actions of the plan file it was given', async () => {
    const out = join(repo.root, 'plan.json');
    expect((await cli('plan', '--out', out)).exitCode).toBe(0);
    const { id } = JSON.parse(readFileSync(out, 'utf8'));
    const other = '0'.repeat(64);
    expect((await cli('approve', other, '--plan', out, '--by', 'alice')).stderr).toMatch(
      /holds plan [0-9a-f]{16}, not 0{16}/,
    );
    // Without the plan, the state cannot tell which actions it lists: recorded, with a warning.
    const bare = await cli('approve', other, '--by', 'alice');
    expect(bare.exitCode).toBe(0);
    expect(bare.stderr).toMatch(/the state does not hold plan 0{16}/);
    const approve = await cli('approve', id, '--plan', out, '--by', 'alice');
    expect(approve).toMatchObject({ exitCode: 0, stderr: '', stdout: `approved plan ${id} by alice` });
    const reconcile = await cli('reconcile');
    expect(reconcile.exitCode).toBe(0);
    expect(reconcile.stdout).toMatch(/✓ build\.trigger\s+acme\/gated\s+succeeded/);
  });

  it('status shows every product Ready once converged', async () => {
    await approveGated();
    expect((await cli('reconcile')).exitCode).toBe(0);
    const run = await cli('status');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/acme\/gated\s+True\s+Ready/);
    expect(run.stdout).toMatch(/acme\/lib\s+True\s+Ready/);
  });

  it('reconcile refuses an invalid fleet, printing where it is wrong', async () => {
    writeFileSync(
      join(repo.fleetDir, 'products/acme/lib.yaml'),
      'apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: lib, org: acme }\nspec: { repo: { url: x }, bild: {} }\n',
    );
    const run = await cli('reconcile');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/products\/acme\/lib.yaml:4:\d+: error: unknown field 'bild'/);
    expect(run.stderr).toMatch(/is invalid \(1 error\): nothing was done/);
  });
});
