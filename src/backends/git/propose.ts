import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CodemonkeysError } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { ASK_GIT, readLooseFile } from './loose-objects.js';
import { COMMIT_ID, createWorktree, ensureMirror, removeWorktree } from './mirror.js';
import { gitFailure, refuseOptionLike, runGit } from './remote.js';

/** Who signs the commits Code Monkeys Ship proposes. */
export const PROPOSAL_AUTHOR = { name: 'Code Monkeys Ship', email: 'codemonkeys@localhost' };

/** git options for a commit (and a tag) by PROPOSAL_AUTHOR, whatever the user's config says, unsigned. */
export const AUTHOR_OPTIONS: readonly string[] = [
  '-c',
  `user.name=${PROPOSAL_AUTHOR.name}`,
  '-c',
  `user.email=${PROPOSAL_AUTHOR.email}`,
  '-c',
  'commit.gpgSign=false',
  '-c',
  'tag.gpgSign=false',
];

/**
 * The text of a file at a commit of a mirror, or undefined when the commit has no such file.
 * `path` is relative to the repository root, with forward slashes.
 */
export async function readFileAt(gitDir: string, commit: string, path: string): Promise<string | undefined> {
  refuseBadPath(path);
  if (!COMMIT_ID.test(commit))
    throw new CodemonkeysError(`'${commit}' is not a full commit id`, { reason: 'InvalidCommit' });
  // Read in place when the objects are loose (a new commit's are): no git spawned per product.
  const loose = readLooseFile(gitDir, commit, path);
  if (loose !== ASK_GIT) return loose;
  const args = ['cat-file', 'blob', '--end-of-options', `${commit}:${path}`];
  const result = await runGit(args, { cwd: gitDir, keepFinalNewline: true });
  if (result.exitCode === 0) return result.stdout;
  // cat-file exits 128 with "Not a valid object name" when the path is not in the commit.
  if (result.exitCode === 128 && /not a valid object name|does not exist/i.test(result.stderr))
    return undefined;
  throw gitFailure(
    `cannot read ${path} at ${commit.slice(0, 12)}`,
    args,
    result,
    'GitReadFailed',
    'transient',
  );
}

/** One file change to propose on a branch of a product repository. */
export interface FileProposal {
  /** Repository URL or absolute path. */
  repoUrl: string;
  /** Where the repository's bare mirror lives (see ensureMirror). */
  mirrorDir: string;
  /** The commit the proposal builds on (the head of the product's branch when planned). */
  base: string;
  /** The branch that carries the proposal; Code Monkeys Ship owns it and rewrites it. */
  branch: string;
  /** The file to write, relative to the repository root. */
  path: string;
  content: string;
  /** Commit message: a subject line, a blank line, a body. */
  message: string;
  /** The branch's head when planned (undefined: it did not exist); the push is refused if it moved. */
  expectedHead: string | undefined;
  /** Where to make the temporary worktree (removed afterwards). */
  workDir: string;
}

/** What a proposal did: the branch and the commit it points at now. */
export interface ProposalResult {
  branch: string;
  commit: string;
  base: string;
  /** `unchanged` when the branch already carried exactly this file on this base. */
  outcome: 'pushed' | 'unchanged';
}

/**
 * Puts `content` at `path` in one commit on top of `base` and force-pushes it to `branch`, with a
 * lease on the branch's expected head so a human's commit to it is never overwritten. When the
 * branch already holds exactly this file on this base (a retry after a crash), nothing is pushed.
 */
export async function proposeFile(proposal: FileProposal): Promise<ProposalResult> {
  refuseBadPath(proposal.path);
  refuseOptionLike('branch', proposal.branch);
  const gitDir = await ensureMirror(proposal.repoUrl, proposal.mirrorDir, proposal.base);
  if (proposal.expectedHead !== undefined && (await carries(gitDir, proposal))) {
    return {
      branch: proposal.branch,
      commit: proposal.expectedHead,
      base: proposal.base,
      outcome: 'unchanged',
    };
  }
  const dir = join(proposal.workDir, `propose-${randomBytes(6).toString('hex')}`);
  await mkdir(proposal.workDir, { recursive: true });
  await createWorktree(gitDir, proposal.base, dir);
  try {
    const file = join(dir, proposal.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, proposal.content);
    await git(['add', '--end-of-options', proposal.path], dir, 'stage the proposed file');
    await git(
      [...AUTHOR_OPTIONS, 'commit', '--quiet', '--no-verify', '--file=-'],
      dir,
      'commit the proposed file',
      proposal.message,
    );
    const commit = (await git(['rev-parse', 'HEAD'], dir, 'read the proposed commit')).trim();
    const ref = `refs/heads/${proposal.branch}`;
    const lease = `--force-with-lease=${ref}:${proposal.expectedHead ?? ''}`;
    await git(
      ['push', '--quiet', lease, '--end-of-options', proposal.repoUrl, `HEAD:${ref}`],
      dir,
      `push ${ref}`,
      undefined,
      proposal.repoUrl,
    );
    return { branch: proposal.branch, commit, base: proposal.base, outcome: 'pushed' };
  } finally {
    await removeWorktree(gitDir, dir);
  }
}

/** True when the expected branch head is one commit on the base whose file is the wanted content. */
async function carries(gitDir: string, proposal: FileProposal): Promise<boolean> {
  const head = proposal.expectedHead as string;
  const parent = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${head}^`], {
    cwd: gitDir,
  });
  if (parent.exitCode !== 0 || parent.stdout.trim() !== proposal.base) return false;
  return (await readFileAt(gitDir, head, proposal.path)) === proposal.content;
}

async function git(
  args: string[],
  cwd: string,
  what: string,
  input?: string,
  remote?: string,
): Promise<string> {
  const result = await runGit(args, { cwd, input, remote });
  if (result.exitCode !== 0) {
    const rejected = /stale info|rejected|non-fast-forward/i.test(result.stderr);
    throw gitFailure(
      `cannot ${what}${rejected ? ' (the branch moved since the plan: someone else pushed to it)' : ''}`,
      args,
      result,
      rejected ? 'ProposalBranchMoved' : 'GitWriteFailed',
      rejected ? 'stalled' : 'transient',
    );
  }
  return result.stdout;
}

/** A repository path must stay inside the repository and never read as an option. */
function refuseBadPath(path: string): void {
  const parts = path.split('/');
  if (
    path === '' ||
    path.startsWith('-') ||
    path.startsWith('/') ||
    parts.some((part) => part === '..' || part === '')
  ) {
    throw new CodemonkeysError(`'${redactor.redactText(path)}' is not a path inside a repository`, {
      reason: 'InvalidRepoPath',
      next: 'stalled',
    });
  }
}
