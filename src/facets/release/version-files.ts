import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import semver from 'semver';

/** A file that carries a product's version, named as it sits in the product's directory. */
export type VersionFile = 'package.json' | 'package-lock.json' | 'Cargo.toml' | 'pyproject.toml';

type Bumper = (text: string, version: string) => string | undefined;

/** Every version file a release bumps, in the order they are reported. */
const BUMPERS: ReadonlyMap<VersionFile, Bumper> = new Map<VersionFile, Bumper>([
  ['package.json', bumpPackageJson],
  ['package-lock.json', bumpPackageLock],
  ['Cargo.toml', bumpCargoToml],
  ['pyproject.toml', bumpPyprojectToml],
]);

/** package.json with its top-level `"version"` value replaced, formatting kept; undefined without one. */
export function bumpPackageJson(text: string, version: string): string | undefined {
  return editJsonStrings(text, [['version']], version);
}

/** package-lock.json with the root `"version"` and `packages[""].version` replaced; undefined without either. */
export function bumpPackageLock(text: string, version: string): string | undefined {
  return editJsonStrings(text, [['version'], ['packages', '', 'version']], version);
}

/**
 * Cargo.toml with `version = "…"` of [package] replaced (else of [workspace.package], the version
 * members inherit); undefined when neither has a static version (`version.workspace = true`).
 */
export function bumpCargoToml(text: string, version: string): string | undefined {
  return editTomlVersion(text, 'package', version) ?? editTomlVersion(text, 'workspace.package', version);
}

/**
 * pyproject.toml with [project] version replaced, else [tool.poetry] version (Poetry 2 keeps it
 * there beside `dynamic = ["version"]`); undefined when the version is dynamic and nowhere static.
 */
export function bumpPyprojectToml(text: string, version: string): string | undefined {
  return editTomlVersion(text, 'project', version) ?? editTomlVersion(text, 'tool.poetry', version);
}

/** Bumps every version file present in `dir` (the product's path in a worktree), writes them, returns the relative names changed. */
export async function bumpVersionFiles(dir: string, version: string): Promise<VersionFile[]> {
  if (semver.valid(version) !== version)
    throw new Error(`cannot bump version files to "${version}": not a semantic version`);
  const changed: VersionFile[] = [];
  for (const [name, bump] of BUMPERS) {
    const path = join(dir, name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const next = bump(text, version);
    if (next === undefined || next === text) continue;
    await writeFile(path, next);
    changed.push(name);
  }
  return changed;
}

/** Replaces the string values at `paths` in the JSON text, then checks nothing else changed. */
function editJsonStrings(
  text: string,
  paths: readonly (readonly string[])[],
  version: string,
): string | undefined {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(data)) return undefined;
  const spans = paths.flatMap((path) => stringSpansAt(body, path)).sort((a, b) => b[0] - a[0]);
  if (spans.length === 0) return undefined;
  let edited = body;
  for (const [start, end] of spans)
    edited = `${edited.slice(0, start)}${JSON.stringify(version)}${edited.slice(end)}`;
  const expected = structuredClone(data);
  for (const path of paths) setStringAt(expected, path, version);
  return isDeepStrictEqual(JSON.parse(edited), expected) ? `${bom}${edited}` : undefined;
}

/** Offsets [start, end) of the string values at `path` (object keys from the root), in valid JSON. */
function stringSpansAt(text: string, path: readonly string[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  const readString = (): [number, number] => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return [start, ++i];
  };
  // `rest` is what remains of `path` below this value, undefined once off the path.
  const readValue = (rest: readonly string[] | undefined): void => {
    skipSpace();
    const char = text[i];
    if (char === '"') {
      const span = readString();
      if (rest?.length === 0) spans.push(span);
    } else if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      i++;
      skipSpace();
      while (text[i] !== close) {
        let below: readonly string[] | undefined;
        if (char === '{') {
          const [start, end] = readString();
          const key: unknown = JSON.parse(text.slice(start, end));
          below = rest && rest.length > 0 && rest[0] === key ? rest.slice(1) : undefined;
          skipSpace();
          i++; // the colon
        }
        readValue(below);
        skipSpace();
        if (text[i] === ',') i++;
        skipSpace();
      }
      i++;
    } else {
      while (i < text.length && !',]} \t\r\n'.includes(text[i] as string)) i++;
    }
  };
  readValue(path);
  return spans;
}

function setStringAt(data: unknown, path: readonly string[], value: string): void {
  let node = data;
  for (const key of path.slice(0, -1)) node = isRecord(node) ? node[key] : undefined;
  const last = path[path.length - 1] as string;
  if (isRecord(node) && typeof node[last] === 'string') node[last] = value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Line-based TOML editing, enough for the version key of one table. Limits: a table written as an
// inline table (`package = { version = "1.0" }`) or through dotted keys from the root
// (`package.version = "1.0"`) is not edited, nor a quoted key (`"version" = …`); multi-line strings
// are skipped so a `[x]` line inside one is not taken for a table header.
const TABLE_HEADER = /^\s*\[\s*([^[\]]+?)\s*\](?:\s*#.*)?$/;
const ARRAY_TABLE_HEADER = /^\s*\[\[/;
const VERSION_STRING = /^(\s*version\s*=\s*)("[^"\\]*"|'[^']*')(.*)$/;

/** The text with `version` of `table` replaced, or undefined when that table has no static version. */
function editTomlVersion(text: string, table: string, version: string): string | undefined {
  const lines = text.split('\n');
  let inTable = false;
  let inMultiline = false;
  for (const [index, raw] of lines.entries()) {
    const cr = raw.endsWith('\r') ? '\r' : '';
    const line = cr ? raw.slice(0, -1) : raw;
    const wasMultiline = inMultiline;
    if ((line.match(/"""|'''/g)?.length ?? 0) % 2 === 1) inMultiline = !inMultiline;
    if (wasMultiline) continue;
    const header = TABLE_HEADER.exec(line)?.[1];
    if (header !== undefined || ARRAY_TABLE_HEADER.test(line)) {
      if (inTable) return undefined;
      inTable = header !== undefined && normalizeTableName(header) === table;
      continue;
    }
    if (!inTable) continue;
    const match = VERSION_STRING.exec(line);
    if (!match) continue;
    const [, key, quoted = '"', rest] = match;
    lines[index] = `${key}${quoted[0]}${version}${quoted[0]}${rest}${cr}`;
    return lines.join('\n');
  }
  return undefined;
}

function normalizeTableName(name: string): string {
  return name
    .split('.')
    .map((part) => part.trim().replace(/^"(.*)"$|^'(.*)'$/, '$1$2'))
    .join('.');
}
