import { isAlias, isScalar, parseDocument, Scalar } from 'yaml';
import { CodemonkeysError } from '../errors.js';

/** Where a product manifest lists its deploy environments. */
const ENVIRONMENTS = ['spec', 'deploy', 'environments'] as const;

/** One environment whose `version` a pin changes. */
export interface PinChange {
  environment: string;
  /** The version the manifest said (`latest`, `1.4.0`, `v1.4.0`). */
  from: string;
  to: string;
}

/** A product manifest with environments pinned to a version, and what that changed. */
export interface PinResult {
  /** The manifest's new text: the old one with only the changed `version` values replaced. */
  text: string;
  /** The environments whose version changed, in the manifest's order. */
  changes: PinChange[];
  /** The chosen environments already at the version (`1.0.0` or `v1.0.0`), left as they were. */
  unchanged: string[];
}

/** A manifest that cannot be pinned as asked; nothing was changed. */
export class PinError extends CodemonkeysError {
  override name = 'PinError';
  constructor(message: string, reason: string) {
    super(message, { reason, next: 'stalled' });
  }
}

/**
 * Sets `spec.deploy.environments.<env>.version` to `version` (plain semver, no `v`) for every
 * environment of a product manifest, or only for `environments`. Only the characters of each
 * changed version value are replaced (found through the `yaml` Document's node ranges), so
 * comments, key order, flow or block style, quoting and line breaks all stay as they were.
 * An environment already at the version is left alone. Throws PinError for a text that is not
 * one YAML document, has no deploy environments, lacks a chosen environment, or shares a
 * version through an anchor with an environment that is not chosen.
 */
export function pinEnvironments(
  text: string,
  environments: readonly string[] | undefined,
  version: string,
): PinResult {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0)
    throw new PinError(
      `the manifest is not one valid YAML document: ${document.errors[0]?.message.split('\n')[0]}`,
      'ManifestUnreadable',
    );
  const before = versionsOf(document.toJS());
  if (before === undefined)
    throw new PinError('the manifest has no spec.deploy.environments', 'NoDeployEnvironments');
  const names = [...before.keys()];
  const chosen = new Set(environments ?? names);
  const unknown = [...chosen].filter((name) => !before.has(name));
  if (unknown.length > 0)
    throw new PinError(
      `no environment ${unknown.join(', ')} in spec.deploy.environments (it has ${names.join(', ')})`,
      'UnknownEnvironment',
    );
  const edits: { start: number; end: number; replacement: string }[] = [];
  const changes: PinChange[] = [];
  const unchanged: string[] = [];
  for (const name of names.filter((each) => chosen.has(each))) {
    const from = before.get(name);
    if (from === version || from === `v${version}`) {
      unchanged.push(name);
      continue;
    }
    const node = document.getIn([...ENVIRONMENTS, name, 'version'], true);
    if ((!isScalar(node) && !isAlias(node)) || !node.range || typeof from !== 'string')
      throw new PinError(`environment ${name} has no version to replace`, 'UnpinnableManifest');
    const [start, end] = node.range;
    edits.push({ start, end, replacement: rendered(node, version, text.slice(start, end)) });
    changes.push({ environment: name, from, to: version });
  }
  let pinned = text;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    pinned = pinned.slice(0, edit.start) + edit.replacement + pinned.slice(edit.end);
  checkPinned(pinned, before, new Set(changes.map((change) => change.environment)), version);
  return { text: pinned, changes, unchanged };
}

/** Environment name → its `version` value, or undefined when the manifest has no environments map. */
function versionsOf(value: unknown): Map<string, unknown> | undefined {
  let node: unknown = value;
  for (const key of ENVIRONMENTS) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const versions = new Map<string, unknown>();
  for (const [name, environment] of Object.entries(node as Record<string, unknown>))
    versions.set(name, isRecord(environment) ? environment.version : undefined);
  return versions;
}

/** The version in the quoting the old value had; a block scalar keeps its line end. */
function rendered(node: unknown, version: string, source: string): string {
  const type = isScalar(node) ? node.type : undefined;
  if (type === Scalar.QUOTE_DOUBLE) return JSON.stringify(version);
  if (type === Scalar.QUOTE_SINGLE) return `'${version}'`;
  return source.endsWith('\n') ? `${version}\n` : version;
}

/**
 * The new text must read as the old one with exactly the changed environments at the version:
 * a version shared through an anchor with an unchosen environment, or an edit that broke the
 * YAML, is refused rather than written.
 */
function checkPinned(
  text: string,
  before: ReadonlyMap<string, unknown>,
  changed: ReadonlySet<string>,
  version: string,
): void {
  const document = parseDocument(text, { uniqueKeys: true });
  const after = document.errors.length === 0 ? versionsOf(document.toJS()) : undefined;
  const wrong = [...before].filter(
    ([name, from]) => after?.get(name) !== (changed.has(name) ? version : from),
  );
  if (after === undefined || after.size !== before.size || wrong.length > 0)
    throw new PinError(
      `pinning would also change ${wrong.map(([name]) => name).join(', ') || 'the manifest'}: its version is shared through a YAML anchor or alias; write each environment's version out`,
      'UnpinnableManifest',
    );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Lines of context around each change in a unified diff, as `diff -u` and git show. */
const CONTEXT = 3;

/** Beyond this many cells the diff of a changed region is shown as all removed, then all added. */
const MAX_TABLE = 1_000_000;

type Line = { op: ' ' | '-' | '+'; text: string; a: number; b: number };

/**
 * A unified diff (`--- a/path`, `+++ b/path`, `@@` hunks with three lines of context) of two texts
 * of one file; the empty string when they are equal. For showing a pin before it is committed.
 */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const lines = diffLines(a.lines, b.lines);
  const out = [`--- a/${path}`, `+++ b/${path}`];
  for (const hunk of hunksOf(lines)) {
    const shown = lines.slice(hunk.from, hunk.to);
    const aCount = shown.filter((line) => line.op !== '+').length;
    const bCount = shown.filter((line) => line.op !== '-').length;
    const aStart = (shown.find((line) => line.op !== '+')?.a ?? hunk.aBefore) + (aCount > 0 ? 1 : 0);
    const bStart = (shown.find((line) => line.op !== '-')?.b ?? hunk.bBefore) + (bCount > 0 ? 1 : 0);
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const line of shown) {
      out.push(`${line.op}${line.text}`);
      const lastOfA = line.op !== '+' && line.a === a.lines.length - 1 && !a.finalNewline;
      const lastOfB = line.op !== '-' && line.b === b.lines.length - 1 && !b.finalNewline;
      if (lastOfA || lastOfB) out.push('\\ No newline at end of file');
    }
  }
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  const lines = text.split('\n');
  const finalNewline = text.endsWith('\n');
  if (finalNewline || text === '') lines.pop();
  return { lines, finalNewline };
}

/** Every line of both texts in order, each kept, removed or added (common ends trimmed, then LCS). */
function diffLines(a: string[], b: string[]): Line[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const lines: Line[] = [];
  for (let i = 0; i < head; i++) lines.push({ op: ' ', text: a[i] as string, a: i, b: i });
  lines.push(...diffMiddle(a.slice(head, a.length - tail), b.slice(head, b.length - tail), head));
  for (let i = tail; i > 0; i--) {
    const ai = a.length - i;
    lines.push({ op: ' ', text: a[ai] as string, a: ai, b: b.length - i });
  }
  return lines;
}

function diffMiddle(a: string[], b: string[], offset: number): Line[] {
  const removed = (i: number): Line => ({ op: '-', text: a[i] as string, a: offset + i, b: -1 });
  const added = (j: number): Line => ({ op: '+', text: b[j] as string, a: -1, b: offset + j });
  if (a.length * b.length > MAX_TABLE) return [...a.map((_, i) => removed(i)), ...b.map((_, j) => added(j))];
  // common[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
  const common: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  const at = (i: number, j: number): number => common[i]?.[j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--) {
    const row = common[i] as number[];
    for (let j = b.length - 1; j >= 0; j--)
      row[j] = a[i] === b[j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
  }
  const lines: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j])
      lines.push({ op: ' ', text: a[i] as string, a: offset + i++, b: offset + j++ });
    else if (j >= b.length || (i < a.length && at(i + 1, j) >= at(i, j + 1))) lines.push(removed(i++));
    else lines.push(added(j++));
  }
  return lines;
}

/** Runs of lines to show: each change with CONTEXT lines around it, close changes merged. */
function hunksOf(lines: Line[]): { from: number; to: number; aBefore: number; bBefore: number }[] {
  const hunks: { from: number; to: number; aBefore: number; bBefore: number }[] = [];
  let aSeen = -1;
  let bSeen = -1;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as Line;
    if (line.op === ' ') {
      aSeen = line.a;
      bSeen = line.b;
      continue;
    }
    const from = Math.max(0, index - CONTEXT);
    const to = Math.min(lines.length, index + 1 + CONTEXT);
    const last = hunks.at(-1);
    if (last && from <= last.to) last.to = to;
    else hunks.push({ from, to, aBefore: aSeen + 1, bBefore: bSeen + 1 });
    if (line.op === '-') aSeen = line.a;
    else bSeen = line.b;
  }
  return hunks;
}
