import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { CLI, runCli } from '../helpers/cli.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { reconcileRepo } from '../helpers/reconcile-repo.js';

const repos: FleetRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});
beforeAll(() => ensureBuilt(), 120_000);

/** Builds the local runner made of a product, one folder each. */
function builds(repo: FleetRepo, product: string): string[] {
  return readdirSync(join(repo.fleetDir, '.codemonkeys/ci/builds', product));
}

describe('a reconcile stopped by a signal', () => {
  it('starts nothing more, lets what runs go on, and the next run adopts it: each build once', async () => {
    const repo = await createFleetRepo([
      { org: 'acme', name: 'lib', steps: ['sleep 1'] },
      { org: 'acme', name: 'app', extra: '  dependsOn: [acme/lib]\n' },
    ]);
    repos.push(repo);
    const stop = new AbortController();
    const stopped = await reconcileRepo(repo, {
      signal: stop.signal,
      onReconciled: (result) => {
        if (result.executed.length > 0) stop.abort();
      },
    });
    expect(stopped).toMatchObject({ stopped: true, converged: false });
    expect(stopped.executed.map((action) => `${action.product} ${action.kind} ${action.outcome}`)).toEqual([
      'acme/lib build.trigger succeeded',
    ]);
    // lib's build runs on in its own worker; app's waits for lib and was never started.
    const after = await reconcileRepo(repo);
    expect(after.converged).toBe(true);
    expect(after.executed.map((action) => `${action.product} ${action.kind}`)).toEqual([
      'acme/app build.trigger',
    ]);
    expect(builds(repo, 'acme/lib')).toHaveLength(1);
    expect(builds(repo, 'acme/app')).toHaveLength(1);
  });

  it('`codemonkeys reconcile` stops on SIGTERM once what runs is done, exits 143, and a rerun builds nothing twice', async () => {
    const repo = await createFleetRepo([
      { org: 'acme', name: 'lib', steps: ['sleep 1'] },
      { org: 'acme', name: 'app', extra: '  dependsOn: [acme/lib]\n' },
    ]);
    repos.push(repo);
    const child = execa('node', [CLI, '--fleet', repo.fleetDir, 'reconcile'], {
      cwd: repo.root,
      env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      reject: false,
      stdin: 'ignore',
    });
    let out = '';
    let sent = false;
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      if (sent || !/build\.trigger\s+acme\/lib\s+succeeded/.test(out)) return;
      sent = true;
      child.kill('SIGTERM');
    });
    const run = await child;
    expect(run.exitCode).toBe(143);
    expect(run.stderr).toMatch(/SIGTERM: stopping once what runs has finished/);
    expect(run.stdout).toMatch(/^stopped: /m);
    expect(run.stdout).not.toMatch(/build\.trigger\s+acme\/app/);
    const again = await runCli(['--fleet', repo.fleetDir, 'reconcile'], { cwd: repo.root });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/build\.trigger\s+acme\/app\s+succeeded/);
    expect(builds(repo, 'acme/lib')).toHaveLength(1);
  });

  it('stopped before it starts, does nothing at all', async () => {
    const repo = await createFleetRepo([{ org: 'acme', name: 'lib' }]);
    repos.push(repo);
    const stop = new AbortController();
    stop.abort();
    const result = await reconcileRepo(repo, { signal: stop.signal });
    expect(result).toMatchObject({ stopped: true, converged: false, executed: [] });
  });
});
