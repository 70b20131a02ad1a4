import { gitFailure, runGit } from './remote.js';

/** One commit as `git log` gives it: full id, parent count, whole message. */
export interface LoggedCommit {
  sha: string;
  parents: number;
  message: string;
}

/** Fields and records of `git log` output (%x00, %x1e): NUL and the record separator never occur in a message. */
const FIELD = '\x00';
const RECORD = '\x1e';

/**
 * The commits reachable from `to` and not from `from` (all of them when `from` is undefined),
 * newest first; with `path`, only those touching it. Both ends are full commit ids.
 */
export async function commitsBetween(
  gitDir: string,
  from: string | undefined,
  to: string,
  path?: string,
): Promise<LoggedCommit[]> {
  const range = from === undefined ? to : `${from}..${to}`;
  const args = ['log', '--format=%H%x00%P%x00%B%x1e', '--end-of-options', range, '--'];
  if (path !== undefined) args.push(path);
  const result = await runGit(args, { cwd: gitDir, keepFinalNewline: true });
  if (result.exitCode !== 0) {
    throw gitFailure(`cannot list the commits ${range}`, args, result, 'GitReadFailed', 'transient');
  }
  const commits: LoggedCommit[] = [];
  for (const record of result.stdout.split(RECORD)) {
    const [sha, parents, message] = record.replace(/^\n/, '').split(FIELD);
    if (!sha || message === undefined) continue;
    commits.push({ sha, parents: parents ? parents.split(' ').length : 0, message: message.trimEnd() });
  }
  return commits;
}

/** True when `ancestor` is `commit` or one of its ancestors (false when the mirror lacks it). */
export async function isAncestor(gitDir: string, ancestor: string, commit: string): Promise<boolean> {
  const args = ['merge-base', '--is-ancestor', '--end-of-options', ancestor, commit];
  const result = await runGit(args, { cwd: gitDir });
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1 || /not a valid (commit|object)|bad object/i.test(result.stderr)) return false;
  throw gitFailure('cannot compare two commits', args, result, 'GitReadFailed', 'transient');
}

/** The first parent of a commit, or undefined for a root commit or one the mirror lacks. */
export async function firstParent(gitDir: string, commit: string): Promise<string | undefined> {
  const result = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}^1`], {
    cwd: gitDir,
  });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}
