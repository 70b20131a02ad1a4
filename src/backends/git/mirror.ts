import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodemonkeysError } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { cacheDir } from '../../paths.js';
import { processRuns } from '../../util/processes.js';
import { gitFailure, refuseOptionLike, runGit } from './remote.js';

/** A full commit id (SHA-1 or SHA-256); anything else is refused before it reaches git. */
export const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Concurrent fetches into one mirror can collide on ref locks; a few retries settle it. */
const FETCH_ATTEMPTS = 3;

/** The temporary folders this process is cloning into right now: never someone else's leftovers. */
const cloning = new Set<string>();

/** Where the facets keep mirrors of product repos: a cache, so reading one is no state write. */
export function repoMirrorDir(env: NodeJS.ProcessEnv | undefined): string {
  return cacheDir('repos', env ?? process.env);
}

/** Where the bare mirror of a repository lives under a cache directory (one per URL). */
export function mirrorPath(url: string, cacheDir: string): string {
  return join(cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
}

/**
 * The bare mirror of a repository, cloned on first use and fetched when `wanted` (a commit) is
 * not in it yet. Returns the mirror's git directory. Clones land in a temporary directory and are
 * renamed into place, so a process killed mid-clone never leaves a half mirror behind.
 */
export async function ensureMirror(url: string, cacheDir: string, wanted?: string): Promise<string> {
  refuseOptionLike('repository URL', url);
  if (wanted !== undefined) refuseBadCommit(wanted);
  const gitDir = mirrorPath(url, cacheDir);
  if (!existsSync(join(gitDir, 'HEAD'))) await cloneMirror(url, gitDir, cacheDir);
  if (wanted === undefined) return gitDir;
  if (!(await hasCommit(gitDir, wanted))) await fetchMirror(url, gitDir);
  if (!(await hasCommit(gitDir, wanted))) {
    throw new CodemonkeysError(
      `commit ${wanted} is not in repository ${redactor.redactText(url)} (was the branch force-pushed?)`,
      { reason: 'CommitNotFound', next: 'stalled' },
    );
  }
  return gitDir;
}

/** True when the repository has the commit. */
export async function hasCommit(gitDir: string, commit: string): Promise<boolean> {
  refuseBadCommit(commit);
  const result = await runGit(['cat-file', '-e', '--end-of-options', `${commit}^{commit}`], { cwd: gitDir });
  return result.exitCode === 0;
}

async function cloneMirror(url: string, gitDir: string, cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  await removeAbandonedClones(cacheDir);
  const temp = `${gitDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  cloning.add(temp);
  try {
    const args = ['clone', '--mirror', '--quiet', '--', url, temp];
    const result = await runGit(args, { remote: url });
    if (result.exitCode !== 0) {
      await rm(temp, { recursive: true, force: true });
      throw gitFailure(
        `cannot clone ${redactor.redactText(url)}`,
        args,
        result,
        'RepoUnreachable',
        'transient',
      );
    }
    try {
      await rename(temp, gitDir);
    } catch (error) {
      // Another process cloned the same repository first; its mirror is as good as ours.
      await rm(temp, { recursive: true, force: true });
      if (!existsSync(join(gitDir, 'HEAD'))) throw error;
    }
  } finally {
    cloning.delete(temp);
  }
}

async function fetchMirror(url: string, gitDir: string): Promise<void> {
  const args = ['fetch', '--prune', '--quiet', '--no-write-fetch-head', 'origin'];
  for (let attempt = 1; ; attempt++) {
    const result = await runGit(args, { cwd: gitDir, remote: url });
    if (result.exitCode === 0) return;
    if (attempt >= FETCH_ATTEMPTS) {
      throw gitFailure(
        `cannot fetch ${redactor.redactText(url)}`,
        args,
        result,
        'RepoUnreachable',
        'transient',
      );
    }
    await sleep(200 * attempt);
  }
}

/**
 * Removes half-finished clones left by a process that died mid-clone (`<mirror>.tmp-<pid>-…`).
 * Judged by whether that process still runs, never by age: an old clock, or a large repository
 * that takes long to clone, must not make a live clone look abandoned.
 */
async function removeAbandonedClones(cacheDir: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const owner = /\.git\.tmp-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (owner === undefined) continue;
    const path = join(cacheDir, name);
    const abandoned = Number(owner) === process.pid ? !cloning.has(path) : !processRuns(Number(owner));
    if (abandoned) await rm(path, { recursive: true, force: true });
  }
}

/**
 * Checks out exactly `commit` into `dir` (removed first if present) as a detached worktree of
 * the mirror: a clean tree, no branch, sharing the mirror's objects. Stale worktree entries
 * whose directories are gone are pruned first.
 */
export async function createWorktree(gitDir: string, commit: string, dir: string): Promise<void> {
  refuseBadCommit(commit);
  refuseOptionLike('worktree directory', dir);
  if (existsSync(dir)) await removeWorktree(gitDir, dir);
  await runGit(['worktree', 'prune'], { cwd: gitDir });
  const args = ['worktree', 'add', '--detach', '--quiet', '--end-of-options', dir, commit];
  const result = await runGit(args, { cwd: gitDir });
  if (result.exitCode !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw gitFailure(`cannot check out ${commit}`, args, result, 'CheckoutFailed', 'transient');
  }
}

/** Removes a worktree and its entry in the mirror; a worktree that is already gone is fine. */
export async function removeWorktree(gitDir: string, dir: string): Promise<void> {
  refuseOptionLike('worktree directory', dir);
  const mirrorExists = existsSync(join(gitDir, 'HEAD'));
  if (mirrorExists && existsSync(dir)) {
    await runGit(['worktree', 'remove', '--force', '--force', '--end-of-options', dir], { cwd: gitDir });
  }
  await rm(dir, { recursive: true, force: true });
  if (mirrorExists) await runGit(['worktree', 'prune'], { cwd: gitDir });
}

function refuseBadCommit(commit: string): void {
  if (!COMMIT_ID.test(commit)) {
    throw new CodemonkeysError(`'${redactor.redactText(commit)}' is not a full commit id`, {
      reason: 'InvalidCommit',
      next: 'stalled',
    });
  }
}
