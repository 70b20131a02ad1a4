import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { runCli } from '../helpers/cli.js';
import { createFleetRepo, type FleetRepo, makeLibPrivate } from '../helpers/fleet-repo.js';
import { type GitHttpServer, startGitHttpServer } from '../helpers/git-http-server.js';

const TOKEN = 'ghp_9Zq4private0repo1token2';
const repos: FleetRepo[] = [];
const servers: GitHttpServer[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const repo of repos.splice(0)) repo.cleanup();
});

/** A fleet whose acme/lib lives on a git server that wants a token, named as org acme's credential `repo`. */
async function privateFleet(): Promise<{ repo: FleetRepo; server: GitHttpServer }> {
  const repo = await createFleetRepo([{ org: 'acme', name: 'lib' }]);
  repos.push(repo);
  const server = await startGitHttpServer(join(repo.root, 'repos'), TOKEN);
  servers.push(server);
  makeLibPrivate(repo, { credential: 'repo', env: 'ACME_GIT_TOKEN', url: `${server.url}/acme/lib.git` });
  await repo.commitFleet('acme/lib is private');
  return { repo, server };
}

/** Every file under `dir`, as text, for a search of the token. */
function everything(dir: string): string {
  const texts: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else texts.push(readFileSync(full).toString('latin1'));
    }
  };
  walk(dir);
  return texts.join('\n');
}

describe('a product in a private repository', () => {
  it('is observed and built with its org credential, which appears in no output and no state', async () => {
    const { repo, server } = await privateFleet();
    const run = await runCli(['--fleet', repo.fleetDir, 'reconcile'], {
      cwd: repo.root,
      env: { ACME_GIT_TOKEN: TOKEN },
    });
    expect(run.stdout).toMatch(/build\.trigger\s+acme\/lib\s+succeeded/);
    expect(run.exitCode).toBe(0);
    expect(
      server.requests.some((request) => request.status === 200 && request.user === 'x-access-token'),
    ).toBe(true);
    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
    expect(everything(join(repo.fleetDir, '.codemonkeys'))).not.toContain(TOKEN);
  });

  it('stalls, naming the credential and where it comes from, when its secret is not set', async () => {
    const { repo, server } = await privateFleet();
    const run = await runCli(['--fleet', repo.fleetDir, 'reconcile'], { cwd: repo.root });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/acme\/lib\s+False\s+Stalled\s+CredentialUnavailable/);
    const status = await runCli(['--fleet', repo.fleetDir, 'status', '--format', 'json'], { cwd: repo.root });
    expect(status.stdout).toMatch(
      /credential 'repo' of org acme \(products\/acme\/lib\.yaml, spec\.repo\.credentials\), from environment variable ACME_GIT_TOKEN, cannot be read/,
    );
    expect(server.requests).toEqual([]);
  });
});
