import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { CheckRepoActions, simpleGit } from 'simple-git';
import { FleetSourceError } from '../errors.js';
import { fleetCacheDir, type SourceOptions } from '../fleet/source.js';

/** The folder of a fleet repo that holds policy tests. */
export const POLICY_TEST_DIR = 'policy-tests';

/** True for a policy test file: a YAML file anywhere under policy-tests/. */
export function isPolicyTestPath(path: string): boolean {
  return path.startsWith(`${POLICY_TEST_DIR}/`) && /\.ya?ml$/.test(path);
}

/**
 * Reads the policy test files of a fleet repo from the same place and revision its manifests
 * were read from (see readFleetFiles): the files on disk for a work tree read without `--rev`,
 * else the fleet's commit (`revision`, as the loader resolved it) in the repo or, for a git URL,
 * in the mirror the loader fetched. Paths are relative to the fleet root; sorted.
 */
export async function readPolicyTestFiles(
  options: SourceOptions & { revision: string | null },
): Promise<Map<string, string>> {
  if (isRemote(options.fleet)) {
    return readAtRevision(mirrorOf(options), requireRevision(options), '');
  }
  const dir = resolve(options.cwd, options.fleet);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new FleetSourceError(`fleet repo ${options.fleet} is not a directory or a git URL`, {
      reason: 'FleetNotFound',
    });
  }
  const git = simpleGit(dir);
  if (await git.checkIsRepo(CheckRepoActions.BARE).catch(() => false)) {
    return readAtRevision(dir, requireRevision(options), '');
  }
  const inTree = await git.checkIsRepo(CheckRepoActions.IN_TREE).catch(() => false);
  if (!inTree || options.rev === undefined) return readDirectory(dir);
  const prefix = (await git.revparse(['--show-prefix'])).trim();
  return readAtRevision(dir, requireRevision(options), prefix);
}

function requireRevision(options: { revision: string | null; fleet: string }): string {
  if (options.revision === null) {
    throw new FleetSourceError(`fleet repo ${options.fleet} was read without a revision`, {
      reason: 'UnknownRevision',
    });
  }
  return options.revision;
}

function isRemote(fleet: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(fleet) || /^[^/\s]+@[^/\s]+:/.test(fleet);
}

/** Where readFleetFiles mirrors a remote fleet repo (the same naming: keep the two in step). */
function mirrorOf(options: SourceOptions): string {
  const cacheRoot = options.cacheDir ?? fleetCacheDir(options.env);
  return join(cacheRoot, `${createHash('sha256').update(options.fleet).digest('hex').slice(0, 16)}.git`);
}

async function readAtRevision(
  gitDir: string,
  revision: string,
  prefix: string,
): Promise<Map<string, string>> {
  const git = simpleGit(gitDir);
  const root = `${prefix}${POLICY_TEST_DIR}`;
  const listing = await git.raw(['ls-tree', '-r', '-z', '--name-only', '--full-tree', revision, '--', root]);
  const files = new Map<string, string>();
  const paths = listing
    .split('\0')
    .filter((path) => path !== '')
    .sort();
  for (const path of paths) {
    const relativePath = posix.relative(prefix.replace(/\/$/, '') || '.', path);
    if (!isPolicyTestPath(relativePath)) continue;
    files.set(relativePath, await git.show([`${revision}:${path}`]));
  }
  return files;
}

async function readDirectory(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const root = join(dir, POLICY_TEST_DIR);
  if (!existsSync(root)) return files;
  const paths: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (isPolicyTestPath(path)) paths.push(path);
  }
  paths.sort();
  for (const path of paths) files.set(path, await readFile(join(dir, path), 'utf8'));
  return files;
}
