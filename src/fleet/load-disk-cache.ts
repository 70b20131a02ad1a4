import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, PACKAGE_ROOT } from '../paths.js';
import type { ManifestDocument } from './document.js';
import type { FileResult } from './load-cache.js';
import type { ManifestKind } from './model.js';
import { type ParsedYaml, parseManifestYaml } from './yaml.js';

/** The cache file's own format; its entries are also keyed by the code that made them (codeKey). */
const FORMAT = 1;

interface Entry {
  kind: ManifestKind;
  /** The document's value as JSON text: parsed afresh for each load, so no load sees another's objects. */
  json: string;
}

interface CacheFile {
  format: number;
  code: string;
  entries: Record<string, Entry>;
}

/**
 * What a fleet's files yielded on their own (LoadCache's per-file results), kept on disk for the
 * next process: a CLI run parses and validates every manifest again from nothing — for 200
 * products ~60 ms warm, ~550 ms in a fresh process, whose YAML parser and schema compiler are
 * cold — and most of a fleet is the same as the last time it was read.
 *
 * Only a clean result is kept: the file parsed, its schema accepted it, it had no problem of its
 * own. An entry is keyed by the file's path and text, and the whole cache by the code that
 * judged it (every module of this package, the schemas, the parser's and validator's versions):
 * a changed file, schema or check is judged afresh. The cross-file checks are never cached, so a
 * fleet is refused exactly when a load without the cache refuses it. A cached document finds its
 * positions by parsing its text again, the first time a problem elsewhere points into it.
 *
 * One file per fleet source under `cacheDir('fleet-load')`, replaced whole (written beside it and
 * renamed: a reader sees the old or the new one), holding the entries of the last load only.
 * Best effort: a cache that cannot be read is empty, one that cannot be written is not written.
 */
export class LoadDiskCache {
  readonly #path: string;
  readonly #code: string;
  #entries: Map<string, Entry>;
  #changed = false;
  /** The files of the last save: a loop's passes hand the same map back while nothing changed. */
  #saved: ReadonlyMap<string, string> | undefined;

  private constructor(path: string, code: string, entries: Map<string, Entry>) {
    this.#path = path;
    this.#code = code;
    this.#entries = entries;
  }

  /** The cache of one fleet source (a directory or a URL), as the last process left it. */
  static open(source: string, env: NodeJS.ProcessEnv = process.env): LoadDiskCache {
    const name = createHash('sha256').update(source).digest('hex').slice(0, 32);
    const path = join(cacheDir('fleet-load', env), `${name}.json`);
    const code = codeKey();
    return new LoadDiskCache(path, code, readEntries(path, code));
  }

  /** The result a previous load kept for this file with this text, if any. */
  lookup(file: string, text: string): FileResult | undefined {
    const entry = this.#entries.get(entryKey(file, text));
    if (!entry) return undefined;
    const value = JSON.parse(entry.json) as Record<string, unknown>;
    const document: ManifestDocument = {
      file,
      kind: entry.kind,
      value,
      parsed: reparsedWhenAsked(file, text, value),
      valid: true,
    };
    return { text, document, problems: [] };
  }

  /** Keeps a freshly computed result, if it is clean and its value is plain JSON. */
  remember(file: string, text: string, result: FileResult): void {
    const document = result.document;
    if (!document?.valid || result.problems.length > 0 || !isPlainJson(document.value)) return;
    this.#entries.set(entryKey(file, text), { kind: document.kind, json: JSON.stringify(document.value) });
    this.#changed = true;
  }

  /** Writes the entries of these files (the fleet as just loaded) when anything changed. */
  save(files: ReadonlyMap<string, string>): void {
    if (!this.#changed && files === this.#saved) return;
    this.#saved = files;
    const kept = new Map<string, Entry>();
    for (const [file, text] of files) {
      const key = entryKey(file, text);
      const entry = this.#entries.get(key);
      if (entry) kept.set(key, entry);
    }
    if (!this.#changed && kept.size === this.#entries.size) return;
    this.#entries = kept;
    this.#changed = false;
    const content: CacheFile = { format: FORMAT, code: this.#code, entries: Object.fromEntries(kept) };
    const temporary = `${this.#path}.${process.pid}.${Date.now()}.tmp`;
    try {
      mkdirSync(dirname(this.#path), { recursive: true });
      writeFileSync(temporary, JSON.stringify(content));
      renameSync(temporary, this.#path);
    } catch {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // No folder to write in, so nothing was written.
      }
    }
  }
}

function entryKey(file: string, text: string): string {
  return createHash('sha256').update(file).update('\u0000').update(text).digest('hex');
}

function readEntries(path: string, code: string): Map<string, Entry> {
  let content: Partial<CacheFile>;
  try {
    content = JSON.parse(readFileSync(path, 'utf8')) as Partial<CacheFile>;
  } catch {
    return new Map();
  }
  if (content.format !== FORMAT || content.code !== code || typeof content.entries !== 'object')
    return new Map();
  const entries = new Map<string, Entry>();
  for (const [key, entry] of Object.entries(content.entries ?? {})) {
    if (typeof entry?.json === 'string' && typeof entry.kind === 'string') entries.set(key, entry);
  }
  return entries;
}

/** A ParsedYaml for a cached value: the text is parsed again the first time a position is asked for. */
function reparsedWhenAsked(file: string, text: string, value: unknown): ParsedYaml {
  let parsed: ParsedYaml | undefined;
  return {
    file,
    value,
    locate(pointer, options) {
      if (!parsed) {
        const outcome = parseManifestYaml(file, text);
        if (!outcome.ok) return { line: 1, column: 1 };
        parsed = outcome.parsed;
      }
      return parsed.locate(pointer, options);
    },
  };
}

/** Strings, finite numbers (not -0), booleans, null, arrays and plain objects: what JSON gives back unchanged. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(isPlainJson);
}

let code: string | undefined;

/**
 * The code that judges a file, hashed once per process: every module of this package as it runs
 * (src/ or dist/, whichever this file is in), the schemas, and the versions of the YAML parser and
 * the schema validator. Any change to any of them makes every cached entry a stranger.
 */
export function codeKey(): string {
  if (code !== undefined) return code;
  const hash = createHash('sha256');
  const modules = dirname(dirname(fileURLToPath(import.meta.url)));
  hashTree(hash, modules, (name) => /\.(js|ts|json)$/.test(name) && !name.endsWith('.map'));
  hashTree(hash, join(PACKAGE_ROOT, 'schemas'), (name) => name.endsWith('.json'));
  const require = createRequire(import.meta.url);
  for (const dependency of ['yaml', 'ajv', 'ajv-formats']) {
    hash.update(`${dependency}@${(require(`${dependency}/package.json`) as { version: string }).version}\n`);
  }
  code = hash.digest('hex');
  return code;
}

function hashTree(hash: ReturnType<typeof createHash>, dir: string, wanted: (name: string) => boolean): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(hash, path, wanted);
    else if (entry.isFile() && wanted(entry.name)) {
      hash.update(`${path}\n`);
      hash.update(readFileSync(path));
    }
  }
}
