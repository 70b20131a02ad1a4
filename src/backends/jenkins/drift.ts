import type { Product } from '../../fleet/model.js';
import { type JenkinsCheckout, renderJenkinsfile } from './jenkinsfile.js';

/** How the Jenkinsfile committed in a product's repo compares with the one its spec gives. */
export interface JenkinsfileDrift {
  /** missing: no Jenkinsfile committed; current: the same text; drifted: a different text. */
  state: 'missing' | 'current' | 'drifted';
  /** The Jenkinsfile the spec gives (renderJenkinsfile). */
  expected: string;
  /** For drifted: a short unified diff, committed (`-`) against expected (`+`). */
  diff?: string;
}

const CONTEXT_LINES = 2;
const MAX_CHANGED_LINES = 8;

/**
 * Compares the committed Jenkinsfile (undefined when the repo has none) with the generated one
 * (for `checkout`, as renderJenkinsfile), ignoring only spaces and tabs at line ends (a CR too,
 * for a CRLF checkout) and one final line break. Throws what renderJenkinsfile throws.
 */
export function jenkinsfileDrift(
  product: Product,
  committed: string | undefined,
  checkout: JenkinsCheckout = {},
): JenkinsfileDrift {
  const expected = renderJenkinsfile(product, checkout);
  if (committed === undefined) return { state: 'missing', expected };
  const before = comparableLines(committed);
  const after = comparableLines(expected);
  if (before.join('\n') === after.join('\n')) return { state: 'current', expected };
  return { state: 'drifted', expected, diff: shortDiff(before, after) };
}

function comparableLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/[ \t\r]+$/, ''));
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * One hunk from the first differing line to the last (after the common prefix and suffix), with
 * two lines of context, each side cut to eight changed lines (a `\` line says how many more):
 * for reading, not for `git apply`; the whole expected text is there to copy.
 */
function shortDiff(before: string[], after: string[]): string {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  const from = Math.max(0, start - CONTEXT_LINES);
  const toBefore = Math.min(before.length, endBefore + CONTEXT_LINES);
  const toAfter = Math.min(after.length, endAfter + CONTEXT_LINES);
  const lines = [
    '--- Jenkinsfile (committed)',
    '+++ Jenkinsfile (generated from the spec)',
    `@@ -${range(from, toBefore)} +${range(from, toAfter)} @@`,
    ...before.slice(from, start).map((line) => ` ${line}`),
    ...capped(before.slice(start, endBefore), '-'),
    ...capped(after.slice(start, endAfter), '+'),
    ...before.slice(endBefore, toBefore).map((line) => ` ${line}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** A unified diff range: 1-based start and line count; an empty range names the line before it. */
function range(from: number, to: number): string {
  const count = to - from;
  return `${count === 0 ? from : from + 1},${count}`;
}

function capped(lines: string[], sign: '-' | '+'): string[] {
  const shown = lines.slice(0, MAX_CHANGED_LINES).map((line) => `${sign}${line}`);
  const hidden = lines.length - MAX_CHANGED_LINES;
  return hidden > 0
    ? [...shown, `\\ ${hidden} more ${sign} line${hidden === 1 ? '' : 's'} not shown`]
    : shown;
}
