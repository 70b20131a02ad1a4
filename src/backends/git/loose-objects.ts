import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

/** What readLooseFile answers when it cannot tell for sure: the caller asks git. */
export const ASK_GIT = Symbol('ask git');

/** Objects bigger than this on disk are left to git: they are read here synchronously. */
const MAX_OBJECT_BYTES = 1024 * 1024;

/**
 * The text of `path` at `commit`, read from the repository's loose objects the way git stores
 * them (Documentation/gitrepository-layout.txt: `objects/<2 hex>/<38 hex>`, zlib-deflated
 * `<type> <size>\0<content>`; a commit's first line names its tree; a tree lists
 * `<mode> <name>\0<20-byte id>` entries) — no process spawned. A new commit's commit, trees and
 * changed blobs are loose, in a repository committed to here as in a mirror after a small fetch
 * (fetch.unpackLimit keeps fetches under 100 objects loose).
 *
 * Undefined when the commit's tree has no such path. ASK_GIT whenever this reader cannot vouch
 * for git's answer: an object that is packed or missing, a SHA-256 repository, alternates,
 * replace refs, a submodule or anything but a blob at the path, an object it cannot parse or a
 * big one.
 */
export function readLooseFile(
  gitDir: string,
  commit: string,
  path: string,
): string | undefined | typeof ASK_GIT {
  if (!/^[0-9a-f]{40}$/.test(commit) || borrowsOrReplaces(gitDir)) return ASK_GIT;
  const commitObject = readObject(gitDir, commit);
  if (commitObject === undefined || commitObject.type !== 'commit') return ASK_GIT;
  const tree = /^tree ([0-9a-f]{40})\n/.exec(commitObject.body.toString('latin1'));
  if (!tree) return ASK_GIT;
  let id = tree[1] as string;
  let mode = '40000';
  for (const name of path.split('/')) {
    if (mode !== '40000') return undefined;
    const object = readObject(gitDir, id);
    if (object === undefined || object.type !== 'tree') return ASK_GIT;
    const entry = treeEntry(object.body, name);
    if (entry === ASK_GIT) return ASK_GIT;
    if (entry === undefined) return undefined;
    ({ id, mode } = entry);
  }
  // Regular and executable files, and symlinks (whose blob is the link's target), are blobs.
  if (mode !== '100644' && mode !== '100755' && mode !== '120000') return ASK_GIT;
  const blob = readObject(gitDir, id);
  if (blob === undefined || blob.type !== 'blob') return ASK_GIT;
  return blob.body.toString('utf8');
}

/** Objects that may live in another repository, or be replaced by other objects: left to git. */
function borrowsOrReplaces(gitDir: string): boolean {
  if (existsSync(join(gitDir, 'objects', 'info', 'alternates'))) return true;
  if (existsSync(join(gitDir, 'refs', 'replace'))) return true;
  try {
    return readFileSync(join(gitDir, 'packed-refs'), 'latin1').includes(' refs/replace/');
  } catch {
    return false;
  }
}

function readObject(gitDir: string, id: string): { type: string; body: Buffer } | undefined {
  const file = join(gitDir, 'objects', id.slice(0, 2), id.slice(2));
  try {
    const size = statSync(file, { throwIfNoEntry: false })?.size;
    if (size === undefined || size > MAX_OBJECT_BYTES) return undefined;
    const raw = inflateSync(readFileSync(file));
    const nul = raw.indexOf(0);
    const header = /^(commit|tree|blob|tag) (\d+)$/.exec(raw.subarray(0, nul).toString('latin1'));
    if (nul < 0 || !header || Number(header[2]) !== raw.length - nul - 1) return undefined;
    return { type: header[1] as string, body: raw.subarray(nul + 1) };
  } catch {
    return undefined;
  }
}

function treeEntry(tree: Buffer, name: string): { mode: string; id: string } | undefined | typeof ASK_GIT {
  let at = 0;
  while (at < tree.length) {
    const space = tree.indexOf(0x20, at);
    const nul = tree.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > tree.length) return ASK_GIT;
    const mode = tree.subarray(at, space).toString('latin1');
    if (tree.subarray(space + 1, nul).toString('utf8') === name) {
      return { mode, id: tree.subarray(nul + 1, nul + 21).toString('hex') };
    }
    at = nul + 21;
  }
  return undefined;
}
