import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliHere } from '../helpers/cli.js';
import { TEST_START } from '../helpers/clock.js';
import type { FleetRepo } from '../helpers/fleet-repo.js';
import { git } from '../helpers/git.js';
import { bareOf, commitConventional, createReleaseFleet, tagsOf } from '../helpers/release-fleet.js';

const repos: FleetRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

async function libFleet(): Promise<FleetRepo> {
  const repo = await createReleaseFleet([
    {
      name: 'lib',
      files: { 'package.json': '{ "name": "@acme/lib", "version": "0.0.0" }\n' },
      steps: ['true'],
      release: ['versioning: conventional'],
    },
  ]);
  repos.push(repo);
  return repo;
}

const release = (repo: FleetRepo, ...args: string[]) =>
  runCliHere(['--fleet', repo.fleetDir, 'release', ...args], { cwd: repo.root, at: TEST_START });

describe('codemonkeys release', () => {
  it('--dry-run --format json: the next version, the commits that decided it, the ignored ones and the notes; nothing touched', async () => {
    const repo = await libFleet();
    const feat = await commitConventional(repo, 'lib', 'feat(api): a feature', { 'a.txt': 'a\n' });
    const wip = await commitConventional(repo, 'lib', 'WIP', { 'b.txt': 'b\n' });
    const fix = await commitConventional(repo, 'lib', 'fix: a fix', { 'c.txt': 'c\n' });
    const refsBefore = await git(bareOf(repo, 'lib'), 'for-each-ref');

    const run = await release(repo, 'acme/lib', '--dry-run', '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse(run.stdout);
    expect(Object.keys(shown)).toEqual(
      expect.arrayContaining(['product', 'current', 'next', 'bump', 'commits', 'ignored', 'notes']),
    );
    expect(shown).toMatchObject({
      product: 'acme/lib',
      current: null,
      next: '0.1.0',
      tag: 'v0.1.0',
      bump: 'minor',
    });
    expect(shown.commits).toEqual([
      { sha: fix, subject: 'fix: a fix', bump: 'patch' },
      { sha: feat, subject: 'feat(api): a feature', bump: 'minor' },
      expect.objectContaining({ subject: 'chore: lay out the project', bump: null }),
    ]);
    expect(shown.ignored).toEqual([
      { sha: wip, subject: 'WIP', why: 'not-conventional' },
      expect.objectContaining({ subject: 'first', why: 'not-conventional' }),
    ]);
    expect(shown.notes).toContain('## 0.1.0 (2026-11-26)');
    expect(shown.notes).toContain('* **api:** a feature');

    expect(await git(bareOf(repo, 'lib'), 'for-each-ref')).toBe(refsBefore);
    expect(existsSync(join(repo.fleetDir, '.codemonkeys/state.db'))).toBe(false);
  });

  it('--dry-run in text: from what to what and why, each commit with its bump, the notes', async () => {
    const repo = await libFleet();
    await commitConventional(repo, 'lib', 'feat!: drop the old API', { 'a.txt': 'a\n' });
    const run = await release(repo, 'acme/lib', '--dry-run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^acme\/lib: nothing released → 0\.1\.0 \(/);
    expect(run.stdout).toMatch(/[0-9a-f]{7} major feat!: drop the old API/);
    expect(run.stdout).toContain('### ⚠ BREAKING CHANGES');
  });

  it('without --dry-run reconciles the product: the release is cut, and a second time there is nothing to release', async () => {
    const repo = await libFleet();
    await commitConventional(repo, 'lib', 'fix: a fix', { 'a.txt': 'a\n' });
    const run = await release(repo, 'acme/lib');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('release.cut');
    expect([...(await tagsOf(repo, 'lib')).keys()]).toEqual(['v0.1.0']);

    const again = await release(repo, 'acme/lib', '--dry-run', '--format', 'json');
    expect(JSON.parse(again.stdout)).toMatchObject({ current: '0.1.0', next: null, bump: null });
  });

  it('refuses a product that is not in the fleet, or does not release', async () => {
    const repo = await libFleet();
    const unknown = await release(repo, 'acme/nope', '--dry-run');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no product acme/nope in the fleet');
  });
});
