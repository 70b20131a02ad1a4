import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { CodemonkeysError } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { gitEnv, SIMPLE_GIT_OPTIONS } from '../../util/git-env.js';
import { COMMIT_ID, createWorktree, removeWorktree } from './mirror.js';
import { PROPOSAL_AUTHOR } from './propose.js';
import { gitFailure, refuseOptionLike, runGit } from './remote.js';

/** Who a commit is by. */
export interface GitIdentity {
  name: string;
  email: string;
}

/** Where a local directory stands in git: in a work tree, a bare repository, or neither. */
export type GitPlace = 'work-tree' | 'bare' | undefined;

/** One file's new content, committed alone. */
export interface FileCommit {
  /** The file, relative to the work tree (or bare repository) given with it, with '/' separators. */
  path: string;
  content: string;
  /** Commit message: a subject line, a blank line, a body. */
  message: string;
  /** Author and committer. */
  identity: GitIdentity;
  /** Author and committer date: the caller's clock, never the machine's. */
  date: Date;
  /** The environment git may see (filtered by gitEnv). */
  env: NodeJS.ProcessEnv;
}

/** simple-git in a directory: only our protocols, no prompt, never a signing program. */
function gitIn(dir: string, env: NodeJS.ProcessEnv, extra: Record<string, string> = {}) {
  return simpleGit({ ...SIMPLE_GIT_OPTIONS, baseDir: dir, config: ['commit.gpgSign=false'] }).env({
    ...gitEnv(env),
    ...extra,
  });
}

/** Whether `dir` is inside a git work tree, is a bare repository, or neither. */
export async function gitPlaceOf(dir: string, env: NodeJS.ProcessEnv): Promise<GitPlace> {
  const answer = await gitIn(dir, env)
    .raw(['rev-parse', '--is-inside-work-tree', '--is-bare-repository'])
    .catch(() => '');
  const [inside, bare] = answer.split('\n').map((line) => line.trim());
  if (bare === 'true') return 'bare';
  return inside === 'true' ? 'work-tree' : undefined;
}

/** The user's `user.name` and `user.email` from git config where set, else PROPOSAL_AUTHOR's. */
export async function commitIdentity(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<GitIdentity & { configured: boolean }> {
  const read = async (key: string) =>
    (
      await gitIn(dir, env)
        .raw(['config', '--get', key])
        .catch(() => '')
    ).trim();
  const name = await read('user.name');
  const email = await read('user.email');
  return {
    name: name || PROPOSAL_AUTHOR.name,
    email: email || PROPOSAL_AUTHOR.email,
    configured: name !== '' && email !== '',
  };
}

/**
 * How a file of a work tree differs from what HEAD holds: `untracked` (not committed at all),
 * `changed` (edited, staged or not, or deleted), or undefined when it is as committed.
 */
export async function uncommittedChange(
  dir: string,
  path: string,
  env: NodeJS.ProcessEnv,
): Promise<'untracked' | 'changed' | undefined> {
  const git = gitIn(dir, env);
  const tracked = await git.raw(['--no-optional-locks', 'ls-files', '-z', '--', path]);
  if (tracked === '') return 'untracked';
  const status = await git.raw(['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--', path]);
  return status === '' ? undefined : 'changed';
}

/** The branch a work tree has checked out (undefined: detached) and its upstream (`origin/main`), if any. */
export async function branchOf(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ branch: string | undefined; upstream: string | undefined }> {
  const git = gitIn(dir, env);
  const branch = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
  const upstream = (
    await git.raw(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']).catch(() => '')
  ).trim();
  return { branch: branch || undefined, upstream: upstream || undefined };
}

/**
 * Writes `content` to the file of a work tree and commits that file alone on the checked-out
 * branch (`git commit --only`: whatever else is staged stays staged, uncommitted). Hooks do not
 * run. When the commit fails the file gets its old content back. Returns the new commit's id.
 */
export async function commitFile(dir: string, commit: FileCommit): Promise<string> {
  const file = join(dir, commit.path);
  const previous = await readFile(file, 'utf8');
  const git = gitIn(dir, commit.env, identityEnv(commit.identity, commit.date));
  await writeFile(file, commit.content);
  try {
    await git.raw(['commit', '--quiet', '--no-verify', '--only', '-m', commit.message, '--', commit.path]);
  } catch (error) {
    await writeFile(file, previous);
    throw new CodemonkeysError(`cannot commit ${commit.path}: ${redactor.redactText(firstLine(error))}`, {
      reason: 'GitWriteFailed',
      next: 'stalled',
      cause: error,
    });
  }
  return (await git.revparse(['HEAD'])).trim();
}

/** The branch a bare repository's HEAD names (`main`); undefined when HEAD is detached. */
export async function headBranch(gitDir: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const ref = (
    await gitIn(gitDir, env)
      .raw(['symbolic-ref', '--quiet', 'HEAD'])
      .catch(() => '')
  ).trim();
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
}

/** A file commit made on `base` in a bare repository (a mirror) and pushed to a branch of `pushUrl`. */
export interface BranchCommit extends FileCommit {
  /** The bare repository (a fleet mirror, or the fleet repo itself) holding `base`. */
  gitDir: string;
  /** The commit the change builds on: the branch's head when it was read. */
  base: string;
  branch: string;
  /** Where the branch lives: the repository's URL, or `gitDir` itself for a local bare repository. */
  pushUrl: string;
}

/**
 * Commits one file on top of `base` in a temporary worktree of a bare repository and pushes the
 * commit to `branch` of `pushUrl`, only if the branch still points at `base` (a lease): a commit
 * pushed by someone else meanwhile is never overwritten. Returns the new commit's id.
 */
export async function commitFileToBranch(commit: BranchCommit): Promise<string> {
  refuseOptionLike('branch', commit.branch);
  refuseOptionLike('repository URL', commit.pushUrl);
  if (!COMMIT_ID.test(commit.base))
    throw new CodemonkeysError(`'${commit.base}' is not a full commit id`, { reason: 'InvalidCommit' });
  const parent = await mkdtemp(join(tmpdir(), 'codemonkeys-commit-'));
  const dir = join(parent, 'tree');
  try {
    await createWorktree(commit.gitDir, commit.base, dir);
    const id = await commitFile(dir, commit);
    const ref = `refs/heads/${commit.branch}`;
    // A lease rather than a plain push: the push also fails when the branch was reset meanwhile.
    const args = [
      'push',
      '--quiet',
      `--force-with-lease=${ref}:${commit.base}`,
      '--end-of-options',
      commit.pushUrl,
      `${id}:${ref}`,
    ];
    const result = await runGit(args, { cwd: dir, remote: commit.pushUrl });
    if (result.exitCode !== 0) {
      const moved = /stale info|rejected|non-fast-forward/i.test(result.stderr);
      throw gitFailure(
        `cannot push to branch ${commit.branch} of ${redactor.redactText(commit.pushUrl)}${moved ? ' (it moved since it was read: run the command again)' : ''}`,
        args,
        result,
        moved ? 'BranchMoved' : 'GitWriteFailed',
        moved ? 'stalled' : 'transient',
      );
    }
    return id;
  } finally {
    await removeWorktree(commit.gitDir, dir);
    await rm(parent, { recursive: true, force: true });
  }
}

/** Author and committer, and the date both carry, as git reads them from the environment. */
function identityEnv(identity: GitIdentity, date: Date): Record<string, string> {
  const raw = `${Math.floor(date.getTime() / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_AUTHOR_DATE: raw,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
    GIT_COMMITTER_DATE: raw,
  };
}

function firstLine(error: unknown): string {
  return (
    String((error as Error)?.message ?? error)
      .split('\n')
      .find((line) => line.trim() !== '') ?? 'failed'
  );
}
