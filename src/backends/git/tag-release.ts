import { CodemonkeysError } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { firstParent } from './history.js';
import { AUTHOR_OPTIONS } from './propose.js';
import { gitFailure, refuseOptionLike, runGit } from './remote.js';
import type { Release } from './tags.js';

/** A release commit to make in a worktree checked out at `base`, tag and push. */
export interface ReleaseCommit {
  /** The worktree, checked out at `base`, with the release's file changes made. */
  dir: string;
  repoUrl: string;
  base: string;
  branch: string;
  tag: string;
  /** Files changed, relative to the repository root, to commit. */
  files: string[];
  /** Commit message; also the annotated tag's message. */
  message: string;
  /** Commit and tag date (the reconciler's clock). */
  date: Date;
}

/**
 * Commits the release's files on top of `base`, tags the commit (annotated) and pushes the
 * branch and the tag in one atomic push: both land or neither. The branch push is a fast-forward
 * of `base`, so a push to the branch since the plan is refused (transient: the next pass plans
 * from the new head). Returns the tagged commit.
 */
export async function commitTagAndPush(release: ReleaseCommit): Promise<string> {
  refuseOptionLike('branch', release.branch);
  refuseOptionLike('tag', release.tag);
  const stamp = `${Math.floor(release.date.getTime() / 1000)} +0000`;
  const env = { GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp };
  if (release.files.length > 0) {
    await git(['add', '--end-of-options', ...release.files], release, 'stage the release files');
    await git(
      [...AUTHOR_OPTIONS, 'commit', '--quiet', '--no-verify', '--allow-empty', '--file=-'],
      release,
      'commit the release',
      { input: release.message, env },
    );
  }
  const commit = (await git(['rev-parse', 'HEAD'], release, 'read the release commit')).trim();
  await git(
    [...AUTHOR_OPTIONS, 'tag', '--annotate', '--file=-', '--end-of-options', release.tag, commit],
    release,
    `tag ${release.tag}`,
    {
      input: release.message,
      env,
    },
  );
  await git(
    [
      'push',
      '--atomic',
      '--quiet',
      '--end-of-options',
      release.repoUrl,
      `${commit}:refs/heads/${release.branch}`,
      `refs/tags/${release.tag}:refs/tags/${release.tag}`,
    ],
    release,
    `push ${release.branch} and ${release.tag}`,
    { remote: release.repoUrl },
  );
  return commit;
}

/**
 * Whether a tag that exists already is this release, cut before (a retry after a crash): it points
 * at `base` itself, or at a commit on top of it whose subject is the release's own (`subject`).
 * Otherwise it is someone else's, and the release stalls naming both commits.
 */
export async function checkExistingTag(
  gitDir: string,
  existing: Release,
  base: string,
  subject: string,
): Promise<void> {
  if (existing.commit === base) return;
  if ((await firstParent(gitDir, existing.commit)) === base) {
    const args = ['log', '-1', '--format=%s', '--end-of-options', existing.commit];
    const logged = await runGit(args, { cwd: gitDir });
    if (logged.exitCode === 0 && logged.stdout.trim() === subject) return;
  }
  throw new CodemonkeysError(
    `tag ${redactor.redactText(existing.tag)} already points at ${existing.commit}, not at a release of ${base}: move or delete the tag, or set a Release-As footer`,
    { reason: 'ReleaseTagConflict', next: 'stalled' },
  );
}

async function git(
  args: string[],
  release: ReleaseCommit,
  what: string,
  options: { input?: string; env?: Record<string, string>; remote?: string } = {},
): Promise<string> {
  const result = await runGit(args, { cwd: release.dir, ...options });
  if (result.exitCode === 0) return result.stdout;
  const rejected = /rejected|non-fast-forward|already exists|stale info/i.test(result.stderr);
  throw gitFailure(
    `cannot ${what}${rejected ? ' (the branch or tag moved since the plan)' : ''}`,
    args,
    result,
    rejected ? 'ReleasePushRejected' : 'GitWriteFailed',
    'transient',
  );
}
