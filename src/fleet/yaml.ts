import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  visit,
  type YAMLError,
} from 'yaml';
import type { Problem } from './problems.js';

/** Alias expansions allowed in one document; more is an alias bomb (billion laughs). */
export const MAX_ALIAS_COUNT = 200;
/** Larger manifests are refused before parsing: a product spec is a few kilobytes. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

export interface Position {
  line: number;
  column: number;
}

/** A YAML file parsed into one document, its plain value, and a way to find where a value stands. */
export interface ParsedYaml {
  file: string;
  value: unknown;
  /** Position of the value at a JSON pointer; with `key`, of the key naming it. Falls back to the nearest ancestor. */
  locate(pointer: string, options?: { key?: boolean }): Position;
}

export type ParseOutcome = { ok: true; parsed: ParsedYaml } | { ok: false; problems: Problem[] };

/** Parses one manifest file strictly: YAML 1.2 core schema, unique keys, one document, bounded aliases. */
export function parseManifestYaml(file: string, text: string): ParseOutcome {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    return failure(
      file,
      { line: 1, column: 1 },
      'file-too-large',
      `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`,
    );
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, {
    lineCounter,
    uniqueKeys: true,
    strict: true,
    prettyErrors: false,
  });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (!Array.isArray(documents)) {
    return failure(file, { line: 1, column: 1 }, 'empty-manifest', 'the file holds no YAML document');
  }
  const problems: Problem[] = [];
  for (const document of documents) {
    // Every duplicated key, each named with where it first appears (the parser says only "not unique").
    const duplicates = document.errors.some((error) => error.code === 'DUPLICATE_KEY');
    if (duplicates) problems.push(...duplicateKeys(file, document.contents, '', at));
    for (const error of document.errors)
      if (!duplicates || error.code !== 'DUPLICATE_KEY') problems.push(yamlProblem(file, error, at));
  }
  if (problems.length > 0) return { ok: false, problems };
  const [document, second] = documents;
  if (!document || document.contents === null) {
    return failure(file, { line: 1, column: 1 }, 'empty-manifest', 'the file holds no YAML document');
  }
  if (second) {
    const where = second.range ? at(second.range[0]) : { line: 1, column: 1 };
    return failure(
      file,
      where,
      'several-documents',
      'a manifest file holds exactly one YAML document; found a second one (---)',
    );
  }
  const complexKey = firstComplexKey(document, at);
  if (complexKey) {
    return failure(
      file,
      complexKey,
      'complex-key',
      'mapping keys are plain words; found a list, a mapping, an alias or a tagged value used as a key',
    );
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const where = firstAliasPosition(document, at) ?? { line: 1, column: 1 };
    const message =
      error instanceof ReferenceError && /alias/i.test(error.message)
        ? `aliases expand to too much data (more than ${MAX_ALIAS_COUNT} expansions): refused as an alias bomb`
        : `the YAML cannot be read: ${(error as Error).message}`;
    return failure(file, where, 'alias-bomb', message);
  }
  return {
    ok: true,
    parsed: {
      file,
      value,
      locate: (pointer, options) => locate(document, at, pointer, options?.key ?? false),
    },
  };
}

function yamlProblem(file: string, error: YAMLError, at: (offset: number) => Position): Problem {
  const where = at(error.pos[0]);
  const message = error.message.split('\n')[0] ?? error.message;
  return {
    severity: 'error',
    code: 'yaml-syntax',
    file,
    ...where,
    pointer: '',
    message: `invalid YAML: ${message.replace(/ at line \d+, column \d+:?$/, '')}`,
    expected: 'valid YAML',
    found: error.code,
  };
}

function failure(file: string, where: Position, code: string, message: string): ParseOutcome {
  return { ok: false, problems: [{ severity: 'error', code, file, ...where, pointer: '', message }] };
}

/** Splits an RFC 6901 JSON pointer into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Joins segments into an RFC 6901 JSON pointer. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function locate(
  document: Document,
  at: (offset: number) => Position,
  pointer: string,
  wantKey: boolean,
): Position {
  let node: unknown = document.contents;
  let keyNode: unknown;
  let best = nodeStart(node, at) ?? { line: 1, column: 1 };
  for (const segment of pointerSegments(pointer)) {
    if (isAlias(node)) node = node.resolve(document);
    keyNode = undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && scalarText(item.key) === segment);
      if (!pair) return best;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(segment)];
    } else {
      return best;
    }
    best = nodeStart(wantKey && keyNode ? keyNode : node, at) ?? nodeStart(keyNode, at) ?? best;
  }
  return best;
}

function scalarText(node: unknown): string | undefined {
  if (isScalar(node)) return String(node.value);
  return undefined;
}

function nodeStart(node: unknown, at: (offset: number) => Position): Position | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? at(range[0]) : undefined;
}

/** A key that is a collection or an alias (YAML allows it; a manifest never needs it). */
/** Every key that a mapping holds twice (or more), in document order, with the JSON pointer of each. */
function duplicateKeys(
  file: string,
  node: unknown,
  pointer: string,
  at: (offset: number) => Position,
): Problem[] {
  const problems: Problem[] = [];
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries())
      problems.push(...duplicateKeys(file, item, `${pointer}/${index}`, at));
  } else if (isMap(node)) {
    const first = new Map<string, Position>();
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const name = String(pair.key.value);
      const where = nodeStart(pair.key, at) ?? { line: 1, column: 1 };
      const path = `${pointer}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      const before = first.get(name);
      if (before) {
        problems.push({
          severity: 'error',
          code: 'duplicate-key',
          file,
          ...where,
          pointer: path,
          message: `duplicate key '${name}': it is first given at line ${before.line}, column ${before.column}`,
          expected: 'each key once per mapping',
          found: `'${name}' again`,
        });
        continue;
      }
      first.set(name, where);
      problems.push(...duplicateKeys(file, pair.value, path, at));
    }
  }
  return problems;
}

function firstComplexKey(document: Document, at: (offset: number) => Position): Position | undefined {
  let found: Position | undefined;
  visit(document, {
    Pair(_, pair) {
      if (pair.key !== null && !(isScalar(pair.key) && isPlainKey(pair.key.value))) {
        found = nodeStart(pair.key, at) ?? { line: 1, column: 1 };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Strings, numbers, booleans and null make keys; a tagged scalar such as !!binary does not. */
function isPlainKey(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function firstAliasPosition(document: Document, at: (offset: number) => Position): Position | undefined {
  let found: Position | undefined;
  const visit = (node: unknown): void => {
    if (found || node === null || node === undefined) return;
    if (isAlias(node)) {
      found = nodeStart(node, at);
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) visit(item);
    } else if (isPair(node)) {
      visit(node.key);
      visit(node.value);
    }
  };
  visit(document.contents);
  return found;
}
