import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWorktree,
  ensureMirror,
  mirrorPath,
  removeWorktree,
} from '../../../src/backends/git/mirror.js';
import { branchHead, resolveRepoUrl } from '../../../src/backends/git/remote.js';
import { commitAll, git, tempDir } from '../../helpers/git.js';
import { rejection } from '../../helpers/rejection.js';

const temp = tempDir('cm-git-');
let work: string;
let bare: string;
let mainHead: string;
let otherHead: string;

beforeAll(async () => {
  work = join(temp.dir, 'work');
  bare = join(temp.dir, 'served', 'repo.git');
  await git(temp.dir, 'init', '-q', '-b', 'main', work);
  writeFileSync(join(work, 'a.txt'), 'one\n');
  mainHead = await commitAll(work, 'one');
  // A branch whose name ends like another: ls-remote's tail matching must not confuse them.
  await git(work, 'checkout', '-q', '-b', 'x/main');
  writeFileSync(join(work, 'a.txt'), 'two\n');
  otherHead = await commitAll(work, 'two');
  await git(work, 'checkout', '-q', 'main');
  await git(temp.dir, 'clone', '-q', '--bare', work, bare);
});
afterAll(() => temp.cleanup());

describe('branchHead', () => {
  it('reads the head of a branch of a local bare repository', async () => {
    expect(await branchHead(bare, 'main')).toBe(mainHead);
    expect(await branchHead(bare, 'x/main')).toBe(otherHead);
  });

  it('reports a missing branch as stalled BranchNotFound naming repository and branch', async () => {
    const error = await rejection(branchHead(bare, 'nope'));
    expect(error.reason).toBe('BranchNotFound');
    expect(error.next).toBe('stalled');
    expect(error.message).toContain(bare);
    expect(error.message).toContain("'nope'");
  });

  it('reports an unreachable repository as transient RepoUnreachable', async () => {
    const error = await rejection(branchHead(join(temp.dir, 'missing.git'), 'main'));
    expect(error.reason).toBe('RepoUnreachable');
    expect(error.next).toBe('transient');
  });

  it('refuses option-like repository URLs and branches before running git', async () => {
    const marker = join(temp.dir, 'option-ran');
    const urlError = await rejection(branchHead(`--upload-pack=touch ${marker}`, 'main'));
    expect(urlError.reason).toBe('OptionLikeValue');
    const branchError = await rejection(branchHead(bare, '--upload-pack=x'));
    expect(branchError.reason).toBe('OptionLikeValue');
    expect(existsSync(marker)).toBe(false);
  });

  it('passes shell metacharacters in a branch to git as plain text', async () => {
    const marker = join(temp.dir, 'shell-ran');
    const error = await rejection(branchHead(bare, `main;touch ${marker}`));
    expect(error.reason).toBe('BranchNotFound');
    expect(existsSync(marker)).toBe(false);
  });

  describe('over HTTP with a password in the URL', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      await git(bare, 'update-server-info');
      const root = join(temp.dir, 'served');
      // A dumb-HTTP git server: static files of the bare repository, on loopback.
      server = createServer((request, response) => {
        const path = normalize(join(root, decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/')));
        if (!path.startsWith(root) || !existsSync(path) || statSync(path).isDirectory()) {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200).end(readFileSync(path));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('reads the head and never shows the password in errors', async () => {
      const url = `${base.replace('http://', 'http://user:pa55word@')}/repo.git`;
      expect(await branchHead(url, 'main')).toBe(mainHead);
      const missing = await rejection(branchHead(url, 'nope'));
      expect(missing.reason).toBe('BranchNotFound');
      expect(missing.message).toContain('[REDACTED]');
      expect(missing.message).not.toContain('pa55word');
      const closed = 'http://user:pa55word@127.0.0.1:1/repo.git';
      const unreachable = await rejection(branchHead(closed, 'main'));
      expect(unreachable.reason).toBe('RepoUnreachable');
      expect(JSON.stringify({ ...unreachable, message: unreachable.message })).not.toContain('pa55word');
    });
  });
});

describe('resolveRepoUrl', () => {
  const fleet = '/srv/fleet';
  it.each([
    ['https://example.com/acme/x.git', 'https://example.com/acme/x.git'],
    ['ssh://git@example.com/acme/x.git', 'ssh://git@example.com/acme/x.git'],
    ['file:///srv/repos/x.git', 'file:///srv/repos/x.git'],
    ['git@example.com:acme/x.git', 'git@example.com:acme/x.git'],
    ['example.com:acme/x', 'example.com:acme/x'],
    ['/srv/repos/x', '/srv/repos/x'],
    ['/srv/repos/../x', '/srv/x'],
    ['repos/x', '/srv/fleet/repos/x'],
    ['../repos/x', '/srv/repos/x'],
    ['./x:y', '/srv/fleet/x:y'],
    ['.repos/acme-x', '/srv/fleet/.repos/acme-x'],
  ])('%s resolves to %s', (url, expected) => {
    expect(resolveRepoUrl(url, fleet)).toBe(expected);
  });
});

describe('mirror and worktrees', () => {
  const cache = () => join(temp.dir, 'cache');

  it('clones a mirror once and fetches when a wanted commit is missing', async () => {
    const gitDir = await ensureMirror(bare, cache(), mainHead);
    expect(gitDir).toBe(mirrorPath(bare, cache()));
    writeFileSync(join(work, 'b.txt'), 'three\n');
    const newer = await commitAll(work, 'three');
    await git(work, 'push', '-q', bare, 'main');
    expect(await ensureMirror(bare, cache(), newer)).toBe(gitDir);
    expect(await git(gitDir, 'rev-parse', 'refs/heads/main')).toBe(newer);
    expect(readdirSync(cache()).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('clones one mirror for many concurrent asks, none of them failing', async () => {
    const dirs = await Promise.all(Array.from({ length: 6 }, () => ensureMirror(bare, cache(), mainHead)));
    expect(new Set(dirs)).toEqual(new Set([mirrorPath(bare, cache())]));
    expect(readdirSync(cache()).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('removes a half clone left by a process that died, and keeps a live one however old it looks', async () => {
    const fresh = join(temp.dir, 'cache-with-leftovers');
    mkdirSync(fresh, { recursive: true });
    const child = execa('true');
    const pid = child.pid as number;
    await child;
    const dead = `${mirrorPath('/elsewhere/a', fresh)}.tmp-${pid}-0badc0de`;
    const live = `${mirrorPath('/elsewhere/b', fresh)}.tmp-${process.ppid}-0badc0de`;
    for (const dir of [dead, live]) {
      mkdirSync(dir);
      utimesSync(dir, new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    }
    await ensureMirror(bare, fresh, mainHead);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('reports a commit the repository does not have as CommitNotFound', async () => {
    const error = await rejection(ensureMirror(bare, cache(), 'f'.repeat(40)));
    expect(error.reason).toBe('CommitNotFound');
  });

  it('lets concurrent callers share one mirror', async () => {
    const fresh = join(temp.dir, 'cache-concurrent');
    const dirs = await Promise.all([1, 2, 3].map(() => ensureMirror(bare, fresh, mainHead)));
    expect(new Set(dirs).size).toBe(1);
    expect(readdirSync(fresh)).toHaveLength(1);
  });

  it('checks out exactly the commit, clean, and removes the worktree without a trace', async () => {
    const gitDir = await ensureMirror(bare, cache(), mainHead);
    const dir = join(temp.dir, 'wt');
    await createWorktree(gitDir, mainHead, dir);
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(mainHead);
    expect(await git(dir, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('one\n');
    // A second checkout into the same place starts from scratch.
    writeFileSync(join(dir, 'junk.txt'), 'left over');
    await createWorktree(gitDir, otherHead, dir);
    expect(existsSync(join(dir, 'junk.txt'))).toBe(false);
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(otherHead);
    await removeWorktree(gitDir, dir);
    expect(existsSync(dir)).toBe(false);
    expect(await git(gitDir, 'worktree', 'list', '--porcelain')).not.toContain(dir);
  });

  it('prunes worktrees whose directories were deleted behind its back', async () => {
    const gitDir = await ensureMirror(bare, cache(), mainHead);
    const lost = join(temp.dir, 'lost');
    await createWorktree(gitDir, mainHead, lost);
    rmSync(lost, { recursive: true, force: true });
    const next = join(temp.dir, 'next');
    await createWorktree(gitDir, mainHead, next);
    const list = await git(gitDir, 'worktree', 'list', '--porcelain');
    expect(list).not.toContain(lost);
    expect(list).toContain(next);
    await removeWorktree(gitDir, next);
  });

  it('refuses a commit that is not a full commit id', async () => {
    const gitDir = await ensureMirror(bare, cache());
    const error = await rejection(createWorktree(gitDir, 'main', join(temp.dir, 'never')));
    expect(error.reason).toBe('InvalidCommit');
  });
});
