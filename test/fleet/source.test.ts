import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetSourceError } from '../../src/errors.js';
import { loadFleet } from '../../src/fleet/load.js';
import { readFleetFiles } from '../../src/fleet/source.js';
import { TEST_NOW } from '../helpers/clock.js';
import { BASE_FLEET } from '../helpers/fleet-fixtures.js';
import { commitAll, git, gitRepoFrom, tempDir } from '../helpers/git.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
function temp(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return dir;
}
function breakWidget(dir: string): void {
  writeFileSync(
    join(dir, 'products/acme/widget.yaml'),
    'apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: widget, org: acme }\nspec: { repo: { url: x }, bogus: 1 }\n',
  );
}

describe('reading a fleet repo', () => {
  it('reads a plain directory with no revision', async () => {
    const dir = temp();
    cpSync(BASE_FLEET, dir, { recursive: true });
    writeFileSync(join(dir, 'notes.yaml'), 'not: a manifest\n');
    const files = await readFleetFiles({ fleet: dir, cwd: '/' });
    expect(files.revision).toBeNull();
    expect([...files.files.keys()].sort()).toEqual([
      'constitution.yaml',
      'fleet.yaml',
      'products/acme/core-lib.yaml',
      'products/acme/widget.yaml',
      'products/globex/portal.yaml',
    ]);
  });

  it('reads a git work tree on disk, and marks it dirty when it differs from HEAD', async () => {
    const dir = join(temp(), 'fleet');
    const head = await gitRepoFrom(BASE_FLEET, dir);
    expect(await readFleetFiles({ fleet: dir, cwd: '/' })).toMatchObject({ revision: head, dirty: false });
    breakWidget(dir);
    const dirty = await loadFleet({ now: TEST_NOW, fleet: dir, cwd: '/' });
    expect(dirty.revision).toBe(head);
    expect(dirty.fleet).toBeUndefined();
    expect((await readFleetFiles({ fleet: dir, cwd: '/' })).dirty).toBe(true);
  });

  it('tells dirt from one git status: untracked files count, files outside the fleet folder do not', async () => {
    const repo = temp();
    cpSync(BASE_FLEET, join(repo, 'fleet'), { recursive: true });
    await git(repo, 'init', '-q', '-b', 'main');
    // Before the first commit there is no revision, and everything differs from it.
    expect(await readFleetFiles({ fleet: 'fleet', cwd: repo })).toMatchObject({
      revision: null,
      dirty: true,
    });
    const head = await commitAll(repo, 'fleet in a folder');
    writeFileSync(join(repo, 'README.md'), 'outside the fleet\n');
    expect(await readFleetFiles({ fleet: 'fleet', cwd: repo })).toMatchObject({
      revision: head,
      dirty: false,
    });
    writeFileSync(join(repo, 'fleet', 'notes.txt'), 'untracked, inside\n');
    expect(await readFleetFiles({ fleet: 'fleet', cwd: repo })).toMatchObject({
      revision: head,
      dirty: true,
    });
  });

  it('validates any revision: a good commit passes after a bad one landed on top', async () => {
    const dir = join(temp(), 'fleet');
    const good = await gitRepoFrom(BASE_FLEET, dir);
    breakWidget(dir);
    const bad = await commitAll(dir, 'break widget');
    const atGood = await loadFleet({ now: TEST_NOW, fleet: dir, rev: good.slice(0, 10), cwd: '/' });
    expect(atGood.revision).toBe(good);
    expect(atGood.fleet?.revision).toBe(good);
    const atHead = await loadFleet({ now: TEST_NOW, fleet: dir, rev: 'HEAD', cwd: '/' });
    expect(atHead.revision).toBe(bad);
    expect(atHead.fleet).toBeUndefined();
    expect(atHead.problems.map((problem) => problem.code)).toContain('unknown-field');
  });

  it('reads a fleet kept in a subfolder of a git repository at a revision', async () => {
    const repo = temp();
    mkdirSync(join(repo, 'ops'));
    cpSync(BASE_FLEET, join(repo, 'ops', 'fleet'), { recursive: true });
    writeFileSync(join(repo, 'fleet.yaml'), 'this: is not the fleet\n');
    await git(repo, 'init', '-q', '-b', 'main');
    const head = await commitAll(repo, 'fleet in a subfolder');
    const result = await loadFleet({ now: TEST_NOW, fleet: 'ops/fleet', rev: 'main', cwd: repo });
    expect(result.problems).toEqual([]);
    expect(result.fleet?.revision).toBe(head);
    expect(result.files).toContain('products/globex/portal.yaml');
  });

  it('mirrors a remote fleet repo into the cache and fetches new commits on the next read', async () => {
    const work = join(temp(), 'work');
    const first = await gitRepoFrom(BASE_FLEET, work);
    const bare = join(temp(), 'fleet.git');
    await git(work, 'clone', '-q', '--bare', work, bare);
    const cacheDir = temp();
    const url = `file://${bare}`;
    const one = await loadFleet({ now: TEST_NOW, fleet: url, cwd: '/', cacheDir });
    expect(one.revision).toBe(first);
    expect(one.fleet?.source).toBe(url);
    breakWidget(work);
    const second = await commitAll(work, 'break widget');
    await git(work, 'push', '-q', bare, 'main');
    const two = await loadFleet({ now: TEST_NOW, fleet: url, cwd: '/', cacheDir });
    expect(two.revision).toBe(second);
    expect(two.fleet).toBeUndefined();
    expect(
      (await loadFleet({ now: TEST_NOW, fleet: url, rev: first, cwd: '/', cacheDir })).fleet?.revision,
    ).toBe(first);
  });

  it('refuses an unknown revision with a clear error', async () => {
    const dir = join(temp(), 'fleet');
    await gitRepoFrom(BASE_FLEET, dir);
    await expect(readFleetFiles({ fleet: dir, rev: 'no-such-branch', cwd: '/' })).rejects.toThrow(
      /unknown revision 'no-such-branch' in fleet repo/,
    );
  });

  it('never lets a revision or fleet value become a git option', async () => {
    const dir = join(temp(), 'fleet');
    await gitRepoFrom(BASE_FLEET, dir);
    await expect(readFleetFiles({ fleet: dir, rev: '--output=/tmp/x', cwd: '/' })).rejects.toBeInstanceOf(
      FleetSourceError,
    );
    await expect(readFleetFiles({ fleet: '--upload-pack=touch /tmp/x', cwd: '/' })).rejects.toThrow(
      /cannot start with '-'/,
    );
  });

  it('says when the fleet is neither a directory nor a git URL', async () => {
    await expect(readFleetFiles({ fleet: '/nonexistent/fleet', cwd: '/' })).rejects.toThrow(
      /is not a directory or a git URL/,
    );
  });
});

describe('reading a bare fleet repository', () => {
  it('reads the manifests at HEAD of a bare repository given as a directory', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const work = join(dir, 'work');
      const head = await gitRepoFrom(BASE_FLEET, work);
      await git(dir, 'clone', '-q', '--bare', work, join(dir, 'fleet.git'));
      const result = await loadFleet({ now: TEST_NOW, fleet: join(dir, 'fleet.git'), cwd: '/' });
      expect(result.problems).toEqual([]);
      expect(result.fleet?.revision).toBe(head);
    } finally {
      cleanup();
    }
  });
});
