import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI } from '../helpers/cli.js';
import { createEffectsFleet, type EffectsFleet } from '../helpers/effects-fleet.js';
import { reconcileRepo } from '../helpers/reconcile-repo.js';
import { until } from '../helpers/until.js';

const fleets: EffectsFleet[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const fleet of fleets.splice(0)) fleet.cleanup();
});

/** `codemonkeys reconcile` of the fleet as a child process, to be killed. */
function startReconcile(fleet: EffectsFleet) {
  return execa('node', [CLI, '--fleet', fleet.fleetDir, 'reconcile'], {
    cwd: fleet.root,
    reject: false,
    stdin: 'ignore',
  });
}

/** The audit entries of one action kind, as `type` words, oldest first, with the journal's last word. */
function history(fleet: EffectsFleet, kind: string) {
  const store = openStore(join(fleet.fleetDir, '.codemonkeys/state.db'), { readonly: true });
  try {
    expect(store.verifyAudit()).toMatchObject({ ok: true });
    const audit = store
      .audit({ limit: 10_000 })
      .filter((entry) => (entry.data as { kind?: string }).kind === kind)
      .map((entry) => entry.type);
    const journal = store.journal({}).filter((entry) => entry.kind === kind);
    return { audit, journal };
  } finally {
    store.close();
  }
}

function actionFolders(fleet: EffectsFleet): string[] {
  const dir = join(fleet.fleetDir, '.codemonkeys/actions');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('an action left running by a reconciler killed with SIGKILL', () => {
  it('a deploy: the restarted reconciler waits for the playbook, records its real outcome, and never runs it twice', async () => {
    const fleet = await createEffectsFleet({ deploy: true }, 3);
    fleets.push(fleet);
    await fleet.release('1.0.0');
    const killed = startReconcile(fleet);
    await until('the playbook to start its real run', () => fleet.count('deploys').length === 1);
    killed.kill('SIGKILL');
    await killed;
    // The playbook goes on without the reconciler: it has not finished yet.
    expect(existsSync(join(fleet.root, 'www/version'))).toBe(false);
    const killedPid = killed.pid;

    const restarted = await reconcileRepo(fleet);
    expect(restarted.converged).toBe(true);
    expect(restarted.executed).toContainEqual(
      expect.objectContaining({ kind: 'deploy.apply', environment: 'staging', outcome: 'succeeded' }),
    );
    expect(fleet.count('deploys')).toEqual(['1.0.0']);
    expect(readFileSync(join(fleet.root, 'www/version'), 'utf8')).toBe('1.0.0\n');
    // The audit log's last word is what happened: resumed and succeeded, never "abandoned".
    const { audit, journal } = history(fleet, 'deploy.apply');
    expect(audit).toEqual(['action.intent', 'action.resumed', 'action.succeeded']);
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(journal[0]?.result).toMatchObject({
      environment: 'staging',
      version: '1.0.0',
      hosts: ['localhost'],
    });
    // Nothing of the killed process is left: no attempt folder, no ansible run directory.
    expect(actionFolders(fleet)).toEqual([]);
    expect(
      readdirSync(tmpdir()).filter((name) => name.startsWith(`codemonkeys-ansible-${killedPid}-`)),
    ).toEqual([]);

    const again = await reconcileRepo(fleet);
    expect(again.executed).toEqual([]);
    expect(fleet.count('deploys')).toEqual(['1.0.0']);
  }, 120_000);

  it('an infra apply: tofu goes on, and the restarted reconciler records what it applied', async () => {
    const fleet = await createEffectsFleet({ infra: true }, 3);
    fleets.push(fleet);
    const killed = startReconcile(fleet);
    await until('tofu apply to start the provisioner', () => fleet.count('infra').length === 1);
    killed.kill('SIGKILL');
    await killed;

    const restarted = await reconcileRepo(fleet);
    expect(restarted.converged).toBe(true);
    expect(fleet.count('infra')).toEqual(['0']);
    const { audit, journal } = history(fleet, 'infra.apply');
    expect(audit).toEqual(['action.intent', 'action.resumed', 'action.succeeded']);
    expect(journal[0]?.result).toMatchObject({ add: 1, change: 0, destroy: 0 });
    expect(actionFolders(fleet)).toEqual([]);

    await fleet.round('1');
    const next = await reconcileRepo(fleet);
    expect(next.converged).toBe(true);
    expect(fleet.count('infra')).toEqual(['0', '1']);
  }, 120_000);

  it('SIGTERM: no new action starts, the running deploy finishes and is recorded, then exit code 143', async () => {
    const fleet = await createEffectsFleet({ deploy: true }, 2);
    fleets.push(fleet);
    await fleet.release('1.0.0');
    const stopped = startReconcile(fleet);
    await until('the playbook to start its real run', () => fleet.count('deploys').length === 1);
    stopped.kill('SIGTERM');
    const ended = await stopped;
    expect(ended.exitCode).toBe(143);
    expect(readFileSync(join(fleet.root, 'www/version'), 'utf8')).toBe('1.0.0\n');
    const { audit } = history(fleet, 'deploy.apply');
    expect(audit).toEqual(['action.intent', 'action.succeeded']);
    expect(actionFolders(fleet)).toEqual([]);
  }, 120_000);
});
