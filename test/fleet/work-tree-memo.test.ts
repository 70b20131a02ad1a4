import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readFleetFiles } from '../../src/fleet/source.js';
import { TOO_MANY, WorkTreeMemo, workTreePrint } from '../../src/fleet/work-tree-memo.js';
import { BASE_FLEET } from '../helpers/fleet-fixtures.js';
import { commitAll, git, gitRepoFrom, tempDir } from '../helpers/git.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A fleet work tree in a subfolder of its repository, and a memo whose clock runs ahead of the racy window. */
async function fleetRepo(): Promise<{ repo: string; fleet: string; memo: WorkTreeMemo }> {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const fleet = join(dir, 'ops', 'fleet');
  await gitRepoFrom(BASE_FLEET, dir);
  mkdirSync(join(dir, 'ops'), { recursive: true });
  await git(dir, 'mv', 'products', 'ops/products');
  mkdirSync(fleet, { recursive: true });
  for (const file of ['fleet.yaml', 'constitution.yaml']) await git(dir, 'mv', file, `ops/fleet/${file}`);
  await git(dir, 'mv', 'ops/products', 'ops/fleet/products');
  await commitAll(dir, 'fleet in a subfolder');
  return { repo: dir, fleet, memo: new WorkTreeMemo({ now: () => Date.now() + 60_000 }) };
}

const read = (fleet: string, memo: WorkTreeMemo) => readFleetFiles({ fleet, cwd: '/', memo });

describe('a loop reading its fleet work tree again', () => {
  it('gets what it read before, without asking git, while nothing changed', async () => {
    const { fleet, memo } = await fleetRepo();
    const first = await read(fleet, memo);
    expect(first.dirty).toBe(false);
    expect(await read(fleet, memo)).toBe(first);
  });

  it('reads again after an edit, a new untracked file, staging, a commit and a checkout', async () => {
    const { repo, fleet, memo } = await fleetRepo();
    const clean = await read(fleet, memo);
    const widget = join(fleet, 'products/acme/widget.yaml');
    // Same length, one character different: only the file's times tell.
    const text = readFileSync(widget, 'utf8');
    writeFileSync(widget, text.replace('widget', 'widgeT'));
    const edited = await read(fleet, memo);
    expect(edited).not.toBe(clean);
    expect(edited).toMatchObject({ revision: clean.revision, dirty: true });
    expect(edited.files.get('products/acme/widget.yaml')).toContain('widgeT');
    expect(await read(fleet, memo)).toBe(edited);

    writeFileSync(widget, text);
    expect(await read(fleet, memo)).toMatchObject({ dirty: false });
    writeFileSync(join(fleet, 'notes.txt'), 'not a manifest\n');
    expect(await read(fleet, memo)).toMatchObject({ dirty: true });
    await git(repo, 'add', 'ops/fleet/notes.txt');
    expect(await read(fleet, memo)).toMatchObject({ dirty: true });
    const head = await commitAll(repo, 'notes');
    const committed = await read(fleet, memo);
    expect(committed).toMatchObject({ revision: head, dirty: false });

    await git(repo, 'checkout', '-q', '-b', 'other', clean.revision as string);
    expect(await read(fleet, memo)).toMatchObject({ revision: clean.revision, dirty: false });
  });

  it('sees an ignore rule above the fleet folder change what counts as dirt', async () => {
    const { repo, fleet, memo } = await fleetRepo();
    writeFileSync(join(fleet, 'scratch.log'), 'x\n');
    expect(await read(fleet, memo)).toMatchObject({ dirty: true });
    // At the repository's root, outside the fleet folder (whose status alone counts).
    appendFileSync(join(repo, '.gitignore'), '*.log\n');
    expect(await read(fleet, memo)).toMatchObject({ dirty: false });
  });

  it('gives up on a fleet folder with too many entries to stat, and asks git every time', async () => {
    const { fleet } = await fleetRepo();
    const memo = new WorkTreeMemo({ now: () => Date.now() + 60_000, maxEntries: 3 });
    const place = {
      gitDir: join(fleet, '..', '..', '.git'),
      commonDir: join(fleet, '..', '..', '.git'),
      prefix: 'ops/fleet/',
    };
    expect(memo.print(fleet, place, process.env)).toBeUndefined();
    const first = await read(fleet, memo);
    const again = await read(fleet, memo);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(workTreePrint(fleet, place, process.env, Date.now() + 60_000, 3)).toBe(TOO_MANY);
    expect(typeof workTreePrint(fleet, place, process.env, Date.now() + 60_000)).toBe('string');
  });

  it('vouches for nothing that changed within the racy window', async () => {
    const { fleet } = await fleetRepo();
    const memo = new WorkTreeMemo();
    writeFileSync(
      join(fleet, 'products/acme/widget.yaml'),
      readFileSync(join(fleet, 'products/acme/widget.yaml')),
    );
    const first = await read(fleet, memo);
    const again = await read(fleet, memo);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
