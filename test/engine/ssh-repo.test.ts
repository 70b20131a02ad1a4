import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { runCli } from '../helpers/cli.js';
import { createFleetRepo, type FleetRepo, makeLibPrivate } from '../helpers/fleet-repo.js';

/** Not a real key: the stand-in server compares bytes, as sshd compares a key with authorized_keys. */
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-acme-deploy-key\n-----END OPENSSH PRIVATE KEY-----\n';

const repos: FleetRepo[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

/**
 * There is no sshd on this machine, so `ssh` on the PATH is a stand-in that does what the server
 * side of a key login decides: it takes the key file ssh(1) was given with `-i`, refuses
 * ("Permission denied (publickey)", exit 255, as OpenSSH) unless the file holds the authorized key
 * and is private to its owner (mode 600, which ssh itself insists on), and then runs git's remote
 * command (`git-upload-pack '<path>'`) here, as sshd runs it for the git user. Every call is
 * logged with the key's path and mode.
 */
function standInSsh(root: string): { bin: string; log: string } {
  const bin = join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  const authorized = join(root, 'authorized-key');
  writeFileSync(authorized, KEY);
  const log = join(root, 'ssh.log');
  const script = `#!/bin/bash
key=""; host=""
while [ $# -gt 0 ]; do
  case "$1" in
    -i) key="$2"; shift 2 ;;
    -o|-p|-l) shift 2 ;;
    -*) shift ;;
    *) if [ -z "$host" ]; then host="$1"; shift; else break; fi ;;
  esac
done
mode=$( [ -n "$key" ] && stat -c %a "$key" 2>/dev/null )
echo "host=$host key=$key mode=$mode command=$*" >> '${log}'
if [ -z "$key" ] || [ "$mode" != 600 ] || ! cmp -s "$key" '${authorized}'; then
  echo "$host: Permission denied (publickey)." >&2
  exit 255
fi
exec sh -c "$*"
`;
  writeFileSync(join(bin, 'ssh'), script);
  chmodSync(join(bin, 'ssh'), 0o755);
  return { bin, log };
}

/** A fleet whose acme/lib is reached over ssh://, with org acme's credential `deployKey` as its key. */
async function sshFleet(): Promise<{ repo: FleetRepo; env: NodeJS.ProcessEnv; log: string }> {
  const repo = await createFleetRepo([{ org: 'acme', name: 'lib' }]);
  repos.push(repo);
  const { bin, log } = standInSsh(repo.root);
  makeLibPrivate(repo, {
    credential: 'deployKey',
    env: 'ACME_DEPLOY_KEY',
    url: `ssh://git@git.example${repo.root}/repos/acme/lib.git`,
  });
  await repo.commitFleet('acme/lib over ssh');
  return { repo, env: { PATH: `${bin}:${process.env.PATH}` }, log };
}

const keyFolders = () => readdirSync(tmpdir()).filter((name) => name.startsWith('codemonkeys-ssh-'));

describe('a product in a private repository over SSH', () => {
  it('is observed and built with its deploy key, handed to ssh as a 0600 file that is gone afterwards', async () => {
    const { repo, env, log } = await sshFleet();
    const before = new Set(keyFolders());
    const run = await runCli(['--fleet', repo.fleetDir, 'reconcile'], {
      cwd: repo.root,
      env: { ...env, ACME_DEPLOY_KEY: KEY },
    });
    expect(run.stdout).toMatch(/build\.trigger\s+acme\/lib\s+succeeded/);
    expect(run.exitCode).toBe(0);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect(call).toMatch(/^host=git@git\.example key=\S+\/key mode=600 command=git-upload-pack/);
    // Each command's key folder is removed after it; the key is in no output and no state.
    expect(keyFolders().filter((name) => !before.has(name))).toEqual([]);
    expect(`${run.stdout}${run.stderr}`).not.toContain('acme-deploy-key');
    for (const call of calls) expect(existsSync(call.split(' ')[1]?.slice('key='.length) ?? '')).toBe(false);
  });

  it('fails, naming the repository and not the key, when the server refuses the key', async () => {
    const { repo, env } = await sshFleet();
    const run = await runCli(['--fleet', repo.fleetDir, 'reconcile', '--once'], {
      cwd: repo.root,
      env: { ...env, ACME_DEPLOY_KEY: KEY.replace('acme-deploy-key', 'someone-elses-key') },
    });
    expect(run.exitCode).toBe(1);
    const status = await runCli(['--fleet', repo.fleetDir, 'status', '--format', 'json'], { cwd: repo.root });
    expect(status.stdout).toMatch(/Permission denied \(publickey\)/);
    expect(`${run.stdout}${run.stderr}${status.stdout}`).not.toContain('someone-elses-key');
  });
});
