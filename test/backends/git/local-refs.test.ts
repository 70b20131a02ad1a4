import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localBranchHeads } from '../../../src/backends/git/local-refs.js';
import { remoteBranchHeads } from '../../../src/backends/git/remote.js';
import { bareWithClone, commitAll, git, tempDir } from '../../helpers/git.js';

describe('localBranchHeads', () => {
  let dir: string;
  let cleanup: () => void;
  let bare: string;
  let work: string;
  let main: string;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir('cm-local-refs-'));
    ({ bare, work } = await bareWithClone(dir));
    writeFileSync(join(work, 'a.txt'), 'a\n');
    main = await commitAll(work, 'first');
    await git(work, 'push', '-q', 'origin', 'main', 'main:feature/x');
  });
  afterEach(() => cleanup());

  it('reads loose refs of a bare repository, as ls-remote does, and leaves out missing branches', async () => {
    const branches = ['main', 'feature/x', 'absent'];
    const local = await localBranchHeads(bare, branches);
    expect(local).toEqual(
      new Map([
        ['main', main],
        ['feature/x', main],
      ]),
    );
    expect(local).toEqual(await remoteBranchHeads(bare, branches));
  });

  it('reads packed refs, and a loose ref over its packed one', async () => {
    await git(bare, 'pack-refs', '--all');
    expect(await localBranchHeads(bare, ['main'])).toEqual(new Map([['main', main]]));
    writeFileSync(join(work, 'b.txt'), 'b\n');
    const second = await commitAll(work, 'second');
    await git(work, 'push', '-q', 'origin', 'main');
    const heads = await localBranchHeads(bare, ['main', 'feature/x']);
    expect(heads).toEqual(
      new Map([
        ['main', second],
        ['feature/x', main],
      ]),
    );
    expect(heads).toEqual(await remoteBranchHeads(bare, ['main', 'feature/x']));
  });

  it('reads a work tree and a file:// URL', async () => {
    expect(await localBranchHeads(work, ['main'])).toEqual(new Map([['main', main]]));
    expect(await localBranchHeads(pathToFileURL(bare).href, ['main'])).toEqual(new Map([['main', main]]));
  });

  it('leaves to git what it cannot vouch for', async () => {
    // Transports, relative paths, and what is not a repository.
    expect(await localBranchHeads('https://example.invalid/x.git', ['main'])).toBeUndefined();
    expect(await localBranchHeads('relative/x.git', ['main'])).toBeUndefined();
    expect(await localBranchHeads(join(dir, 'nothing'), ['main'])).toBeUndefined();
    // Names that could leave refs/heads, or that git would refuse.
    for (const name of ['../../HEAD', 'a/../main', '.hidden', 'x.lock', 'a//b', '/main', 'main/'])
      expect(await localBranchHeads(bare, [name])).toBeUndefined();
    // A symbolic ref.
    await git(bare, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/main');
    expect(await localBranchHeads(bare, ['alias'])).toBeUndefined();
    // A linked worktree (a .git file) and the reftable backend.
    await git(work, 'worktree', 'add', '-q', join(dir, 'linked'), 'feature/x');
    expect(await localBranchHeads(join(dir, 'linked'), ['main'])).toBeUndefined();
    mkdirSync(join(bare, 'reftable'));
    expect(await localBranchHeads(bare, ['main'])).toBeUndefined();
  });

  it('notices a repository it read before is gone, and leaves it to git to say so', async () => {
    expect(await localBranchHeads(bare, ['main', 'absent'])).toEqual(new Map([['main', main]]));
    rmSync(bare, { recursive: true, force: true });
    expect(await localBranchHeads(bare, ['main'])).toBeUndefined();
  });

  it('refuses a packed-refs file it cannot parse rather than guess', async () => {
    await git(bare, 'pack-refs', '--all');
    writeFileSync(join(bare, 'packed-refs'), 'not a ref line\n');
    expect(await localBranchHeads(bare, ['main'])).toBeUndefined();
  });
});
