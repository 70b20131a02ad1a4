import { isAbsolute, resolve } from 'node:path';
import { execa } from 'execa';
import { CodemonkeysError, CommandError, type NextStep } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { gitEnv } from '../../util/git-env.js';
import { credentialAccess } from './credentials.js';
import { localBranchHeads } from './local-refs.js';

/** How long one git command may take by default: long enough for a slow fetch, short enough to notice a hang. */
export const GIT_TIMEOUT_MS = 120_000;

/** How much of git's stderr a failure keeps. */
const STDERR_TAIL_BYTES = 2048;

/** A git command that failed: what ran (redacted), how it ended and the tail of what it printed. */
export class GitCommandError extends CommandError {
  override name = 'GitCommandError';
}

/** What a git command printed and how it ended; `runGit` never throws for a non-zero exit. */
export interface GitResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when git could not be started at all (not installed, bad cwd). */
  spawnError: string | null;
}

/**
 * Runs git with an argument array (never a shell), without prompting for credentials, allowing
 * only the protocols in GIT_PROTOCOLS; `input`
 * feeds stdin; `keepFinalNewline` keeps stdout byte for byte (file contents).
 */
export async function runGit(
  args: string[],
  options: {
    cwd?: string;
    timeoutMs?: number;
    input?: string;
    keepFinalNewline?: boolean;
    /** The repository URL the command talks to: its credential, if it has one, goes with it. */
    remote?: string;
    /** More environment for git (GIT_COMMITTER_DATE), over the protocol limits. */
    env?: Record<string, string>;
  } = {},
): Promise<GitResult> {
  const access = await credentialAccess(options.remote);
  try {
    return await run(args, options, { ...options.env, ...access.env });
  } finally {
    await access.cleanup();
  }
}

async function run(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; input?: string; keepFinalNewline?: boolean },
  credentialEnv: Record<string, string>,
): Promise<GitResult> {
  const result = await execa('git', args, {
    cwd: options.cwd,
    // Only the protocols we need (GIT_ALLOW_PROTOCOL), whatever the user's config or environment says.
    env: { ...gitEnv(), ...credentialEnv },
    extendEnv: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    timeout: options.timeoutMs ?? GIT_TIMEOUT_MS,
    reject: false,
    maxBuffer: 64 * 1024 * 1024,
    stripFinalNewline: options.keepFinalNewline !== true,
  });
  const exitCode = result.exitCode ?? null;
  const started = exitCode !== null || result.signal !== undefined || result.timedOut;
  return {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode,
    signal: result.signal ?? null,
    timedOut: result.timedOut,
    spawnError: result.failed && !started ? (result.shortMessage ?? 'git could not be started') : null,
  };
}

/** Turns a failed git result into an error whose message and fields carry no credentials. */
export function gitFailure(
  message: string,
  args: string[],
  result: GitResult,
  reason: string,
  next: NextStep,
): GitCommandError {
  const stderr = redactor.redactText(result.spawnError ?? result.stderr).trim();
  const stderrTail = stderr.length > STDERR_TAIL_BYTES ? stderr.slice(-STDERR_TAIL_BYTES) : stderr;
  const how = result.timedOut
    ? 'timed out'
    : result.signal
      ? `was killed by ${result.signal}`
      : `exited with code ${result.exitCode ?? 'unknown'}`;
  const telling = tellingLine(stderrTail);
  return new GitCommandError(`${message}: git ${args[0] ?? ''} ${how}${telling ? ` (${telling})` : ''}`, {
    reason,
    next,
    command: ['git', ...args.map((arg) => redactor.redactText(arg))],
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    stderrTail,
  });
}

/**
 * The line of git's stderr that says why: the server's refusal (ssh's "Permission denied
 * (publickey)", "Authentication failed", "Repository not found") rather than git's closing
 * advice ("Please make sure you have the correct access rights and the repository exists."),
 * else the first `fatal:` or `error:` line, else the last line.
 */
function tellingLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return (
    lines.find((line) =>
      /permission denied|authentication failed|could not read (username|password)|repository not found|host key verification failed|could not resolve host/i.test(
        line,
      ),
    ) ??
    lines.find((line) => /^(fatal|error):/.test(line)) ??
    lines.at(-1)
  );
}

/** A manifest value that git would read as an option is refused: values never become flags. */
export function refuseOptionLike(what: string, value: string): void {
  if (value.startsWith('-')) {
    throw new CodemonkeysError(`${what} '${redactor.redactText(value)}' cannot start with '-'`, {
      reason: 'OptionLikeValue',
      next: 'stalled',
    });
  }
}

/**
 * The commit at the head of a branch of a remote repository, read with `git ls-remote`.
 * Throws `RepoUnreachable` (transient) when the repository cannot be read and `BranchNotFound`
 * (stalled) when it has no such branch.
 */
export async function branchHead(repoUrl: string, branch: string): Promise<string> {
  const head = (await branchHeads(repoUrl, [branch])).get(branch);
  if (head === undefined) throw branchNotFound(repoUrl, branch);
  return head;
}

/**
 * The heads of several branches of a remote repository in one `git ls-remote` (a repository on
 * this machine: its ref files, when they can be read for sure); a branch the repository lacks is
 * absent from the map. Throws `RepoUnreachable` (transient) when the repository cannot be read.
 */
export async function branchHeads(
  repoUrl: string,
  branches: readonly string[],
): Promise<Map<string, string>> {
  refuseOptionLikeRefs(repoUrl, branches);
  return (await localBranchHeads(repoUrl, branches)) ?? remoteBranchHeads(repoUrl, branches);
}

function refuseOptionLikeRefs(repoUrl: string, branches: readonly string[]): void {
  refuseOptionLike('repository URL', repoUrl);
  for (const branch of branches) refuseOptionLike('branch', branch);
}

/** `branchHeads` through `git ls-remote` only, whatever the URL. */
export async function remoteBranchHeads(
  repoUrl: string,
  branches: readonly string[],
): Promise<Map<string, string>> {
  refuseOptionLikeRefs(repoUrl, branches);
  const refs = new Map(branches.map((branch) => [`refs/heads/${branch}`, branch]));
  const args = ['ls-remote', '--end-of-options', repoUrl, ...refs.keys()];
  const result = await runGit(args, { remote: repoUrl });
  if (result.exitCode !== 0) {
    const shown = redactor.redactText(repoUrl);
    throw gitFailure(`cannot read repository ${shown}`, args, result, 'RepoUnreachable', 'transient');
  }
  // ls-remote matches patterns against the tail of ref names (and as globs): keep exact refs only.
  const heads = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [oid, name] = line.split('\t');
    const branch = name === undefined ? undefined : refs.get(name);
    if (branch !== undefined && oid && COMMIT_OID.test(oid)) heads.set(branch, oid);
  }
  return heads;
}

const COMMIT_OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** `BranchNotFound` (stalled): the repository answered and has no such branch. */
export function branchNotFound(repoUrl: string, branch: string): CodemonkeysError {
  const shownRepo = redactor.redactText(repoUrl);
  return new CodemonkeysError(`repository ${shownRepo} has no branch '${redactor.redactText(branch)}'`, {
    reason: 'BranchNotFound',
    next: 'stalled',
  });
}

/**
 * A product repository's URL as git should see it: URLs with a scheme (`https://…`, `file://…`)
 * and scp-like `host:path` addresses are kept; paths are resolved against the fleet directory.
 */
export function resolveRepoUrl(url: string, fleetDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  if (isScpLike(url)) return url;
  return isAbsolute(url) ? resolve(url) : resolve(fleetDir, url);
}

/** Git's own rule: a colon with no slash before it makes `host:path` an ssh address. */
export function isScpLike(url: string): boolean {
  const colon = url.indexOf(':');
  if (colon <= 0) return false;
  const slash = url.indexOf('/');
  return slash === -1 || slash > colon;
}
