import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { simpleGit } from 'simple-git';
import { FleetSourceError } from '../errors.js';
import { redactor } from '../log/redact.js';
import { cacheDir } from '../paths.js';
import { gitEnv, SIMPLE_GIT_OPTIONS } from '../util/git-env.js';
import { manifestRole } from './document.js';

/** The manifest files of a fleet repo as read from one place at one revision. */
export interface FleetFiles {
  /** Absolute directory or URL it was read from. */
  source: string;
  /** Commit id when read from git; null for a directory outside git. */
  revision: string | null;
  /** A git work tree read as it is on disk, differing from its HEAD. */
  dirty: boolean;
  /** Manifest path relative to the fleet root ('/' separators) → text. */
  files: Map<string, string>;
}

export interface SourceOptions {
  /** A directory (a work tree, a subfolder of one, or a bare repo) or a git URL. */
  fleet: string;
  /** Read the fleet at this git revision instead of the files on disk. */
  rev?: string;
  cwd: string;
  /** Where remote fleet repos are mirrored; default from the environment (see `fleetCacheDir`). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** $CODEMONKEYS_CACHE_DIR/fleets, else $XDG_CACHE_HOME/codemonkeys/fleets, else ~/.cache/codemonkeys/fleets. */
export function fleetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return cacheDir('fleets', env);
}

/** Reads the manifest files of a fleet repo from a directory or from git at a revision. */
export async function readFleetFiles(options: SourceOptions): Promise<FleetFiles> {
  refuseOptionLike('fleet', options.fleet);
  if (options.rev !== undefined) refuseOptionLike('revision', options.rev);
  if (isRemote(options.fleet)) return readRemote(options);
  const dir = resolve(options.cwd, options.fleet);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new FleetSourceError(`fleet repo ${options.fleet} is not a directory or a git URL`, {
      reason: 'FleetNotFound',
    });
  }
  const place = await gitPlace(dir);
  if (place === undefined) {
    if (options.rev !== undefined)
      throw new FleetSourceError(`--rev needs a git repository, and ${options.fleet} is not in one`, {
        reason: 'NotAGitRepo',
      });
    return { source: dir, revision: null, dirty: false, files: await readDirectory(dir) };
  }
  if (place.bare || options.rev !== undefined) {
    const revision = await resolveRevision(dir, options.rev ?? 'HEAD', options.fleet);
    return {
      source: dir,
      revision,
      dirty: false,
      files: await readAtRevision(dir, revision, place.prefix),
    };
  }
  const { revision, dirty } = await workTreeState(dir);
  return { source: dir, revision, dirty, files: await readDirectory(dir) };
}

/**
 * Whether a directory is in a git work tree or is a bare repository (undefined: neither, such as
 * a plain folder or the inside of a `.git`) and its path below the work tree's root — one
 * `git rev-parse`.
 */
async function gitPlace(dir: string): Promise<{ bare: boolean; prefix: string } | undefined> {
  const result = await git(dir, [
    'rev-parse',
    '--is-inside-work-tree',
    '--is-bare-repository',
    '--show-prefix',
  ]);
  if (result.exitCode !== 0) return undefined;
  const [inside, bare, prefix = ''] = result.stdout.split('\n');
  if (inside !== 'true' && bare !== 'true') return undefined;
  return { bare: bare === 'true', prefix: bare === 'true' ? '' : prefix.trim() };
}

/**
 * The commit a work tree's HEAD names (null before the first commit) and whether the files under
 * `dir` differ from it, tracked or not, in one `git status` (porcelain v2's `# branch.oid`
 * header; https://git-scm.com/docs/git-status#_porcelain_format_version_2).
 */
async function workTreeState(dir: string): Promise<{ revision: string | null; dirty: boolean }> {
  // No optional locks: a loop's status every pass never takes the index's lock from its owner
  // (whose `git commit` would fail on index.lock), nor rewrites the index.
  const result = await git(dir, [
    '--no-optional-locks',
    'status',
    '--porcelain=v2',
    '--branch',
    '--untracked-files=all',
    '--',
    '.',
  ]);
  if (result.exitCode !== 0) {
    throw new FleetSourceError(`cannot read the state of the work tree ${dir}: ${result.stderr.trim()}`, {
      reason: 'GitReadFailed',
      next: 'transient',
    });
  }
  let revision: string | null = null;
  let dirty = false;
  for (const line of result.stdout.split('\n')) {
    const oid = /^# branch\.oid ([0-9a-f]{40}(?:[0-9a-f]{24})?)$/.exec(line);
    if (oid) revision = oid[1] as string;
    else if (line !== '' && !line.startsWith('# ')) dirty = true;
  }
  return { revision, dirty: dirty || revision === null };
}

/** simple-git in a directory, with only our protocols and no prompt. */
function gitIn(dir: string) {
  return simpleGit({ ...SIMPLE_GIT_OPTIONS, baseDir: dir }).env(gitEnv());
}

/** git in a directory with arguments only, no prompt, only our protocols, nothing on stdin, never rejecting. */
function git(dir: string, args: string[]) {
  return execa('git', args, {
    cwd: dir,
    env: gitEnv(),
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
  });
}

/** A value that git would read as an option is refused: manifest and CLI values never become flags. */
function refuseOptionLike(what: string, value: string): void {
  if (value.startsWith('-'))
    throw new FleetSourceError(`${what} '${value}' cannot start with '-'`, { reason: 'Usage' });
}

function isRemote(fleet: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(fleet) || /^[^/\s]+@[^/\s]+:/.test(fleet);
}

async function readRemote(options: SourceOptions): Promise<FleetFiles> {
  const cacheRoot = options.cacheDir ?? fleetCacheDir(options.env);
  const mirror = join(
    cacheRoot,
    `${createHash('sha256').update(options.fleet).digest('hex').slice(0, 16)}.git`,
  );
  const shown = redactor.redactText(options.fleet);
  try {
    if (existsSync(join(mirror, 'HEAD'))) {
      await gitIn(mirror).raw([
        'fetch',
        '--prune',
        '--quiet',
        'origin',
        '+refs/heads/*:refs/heads/*',
        '+refs/tags/*:refs/tags/*',
      ]);
    } else {
      await mkdir(cacheRoot, { recursive: true });
      await gitIn(cacheRoot).clone(options.fleet, mirror, ['--mirror', '--quiet']);
    }
  } catch (error) {
    throw new FleetSourceError(`cannot fetch fleet repo ${shown}: ${redactor.redactText(firstLine(error))}`, {
      reason: 'FetchFailed',
      next: 'transient',
      cause: error,
    });
  }
  const revision = await resolveRevision(mirror, options.rev ?? 'HEAD', shown);
  return { source: options.fleet, revision, dirty: false, files: await readAtRevision(mirror, revision, '') };
}

/** The full commit id a revision names; an unknown revision is an error, never a guess. */
export async function resolveRevision(gitDir: string, rev: string, shown: string): Promise<string> {
  let output = '';
  let cause: unknown;
  try {
    output = (
      await gitIn(gitDir).raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])
    ).trim();
  } catch (error) {
    cause = error;
  }
  // --quiet makes git exit 1 with no output for an unknown revision, which simple-git does not treat as failure.
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(output)) {
    throw new FleetSourceError(`unknown revision '${rev}' in fleet repo ${shown}`, {
      reason: 'UnknownRevision',
      cause,
    });
  }
  return output;
}

/** Reads every manifest under `prefix` at a commit with one ls-tree and one cat-file. */
async function readAtRevision(
  gitDir: string,
  revision: string,
  prefix: string,
): Promise<Map<string, string>> {
  const listing = await gitIn(gitDir).raw([
    'ls-tree',
    '-r',
    '-z',
    '--full-tree',
    revision,
    '--',
    prefix === '' ? '.' : prefix,
  ]);
  const wanted: { path: string; oid: string }[] = [];
  for (const entry of listing.split('\0')) {
    const match = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (!match) continue;
    const path = posix.relative(prefix.replace(/\/$/, '') || '.', match[2] as string);
    if (manifestRole(path)) wanted.push({ path, oid: match[1] as string });
  }
  const files = new Map<string, string>();
  if (wanted.length === 0) return files;
  const { stdout } = await execa('git', ['cat-file', '--batch'], {
    cwd: gitDir,
    input: `${wanted.map(({ oid }) => oid).join('\n')}\n`,
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  const out = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength);
  let offset = 0;
  for (const { path } of wanted) {
    const headerEnd = out.indexOf(0x0a, offset);
    const size = Number(out.subarray(offset, headerEnd).toString('utf8').split(' ')[2]);
    files.set(path, out.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
    offset = headerEnd + 1 + size + 1;
  }
  return files;
}

/** Reads the manifests of a directory as they are on disk: the root's files and products/ below. */
async function readDirectory(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const paths = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
  if (existsSync(join(dir, 'products'))) {
    for (const entry of await readdir(join(dir, 'products'), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) paths.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
    }
  }
  for (let index = paths.length - 1; index >= 0; index--) {
    if (!manifestRole(paths[index] as string)) paths.splice(index, 1);
  }
  paths.sort();
  // Read in place: small files on this machine, each cheaper read than handed to the thread pool (a loop reads them every pass).
  for (const path of paths) files.set(path, readFileSync(join(dir, path), 'utf8'));
  return files;
}

function firstLine(error: unknown): string {
  return (
    String((error as Error)?.message ?? error)
      .split('\n')
      .find((line) => line.trim() !== '') ?? 'failed'
  );
}
