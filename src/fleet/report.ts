import { REDACTED, redactor } from '../log/redact.js';
import { terminalSafe } from '../util/terminal-safe.js';
import type { LoadResult } from './load.js';
import type { Problem } from './problems.js';

/** The JSON shape `validate --format json` prints; files are relative to the fleet root. */
export interface ValidationReport {
  valid: boolean;
  revision: string | null;
  errors: ReportEntry[];
  warnings: ReportEntry[];
}

export type ReportEntry = Pick<Problem, 'file' | 'line' | 'column' | 'pointer' | 'message' | 'code'> &
  Partial<Pick<Problem, 'expected' | 'found'>>;

export function toValidationReport(result: LoadResult): ValidationReport {
  const entry = (problem: Problem): ReportEntry => {
    const { file, line, column, pointer, code, message, expected, found } = problem;
    return {
      file,
      line,
      column,
      pointer,
      code,
      message,
      ...(expected === undefined ? {} : { expected }),
      ...(found === undefined ? {} : { found }),
    };
  };
  const errors = result.problems.filter((problem) => problem.severity === 'error').map(entry);
  const warnings = result.problems.filter((problem) => problem.severity === 'warning').map(entry);
  return { valid: errors.length === 0, revision: result.revision, errors, warnings };
}

/**
 * Problems for people: `file:line:column: severity: message [code]`, the line itself and a caret.
 * Each is one line with its control and bidi characters escaped: a manifest's bytes are shown, never
 * acted on by the terminal, and the caret stays under the character it points at.
 */
export function formatProblemsText(result: LoadResult): string {
  const lines: string[] = [];
  for (const problem of result.problems) {
    lines.push(
      terminalSafe(
        `${problem.file}:${problem.line}:${problem.column}: ${problem.severity}: ${problem.message} [${problem.code}]`,
      ),
    );
    const source = sourceLine(result, problem);
    if (source !== undefined && source.trim() !== '') {
      const gutter = String(problem.line).length;
      const shown = source.slice(0, 160);
      const offset = Math.max(0, Math.min(problem.column - 1, 160));
      // An escape is wider than the character it stands for: the caret moves right by the difference.
      const before = shown.slice(0, offset);
      const indent = offset + terminalSafe(before).length - before.length;
      lines.push(`  ${String(problem.line)} | ${terminalSafe(shown)}`);
      lines.push(`  ${' '.repeat(gutter)} | ${' '.repeat(indent)}^`);
    }
  }
  const report = toValidationReport(result);
  const counts = `${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')} in ${plural(result.files.length, 'manifest')}`;
  const at = result.revision
    ? ` at ${result.revision.slice(0, 12)}${result.dirty ? ' with uncommitted changes' : ''}`
    : '';
  lines.push(report.valid ? `valid${at}: ${counts}` : `invalid${at}: ${counts}`);
  return `${lines.join('\n')}\n`;
}

/** The line a problem points at, with a literal secret on it cut out. */
function sourceLine(result: LoadResult, problem: Problem): string | undefined {
  const line = result.sources.get(problem.file)?.split(/\r?\n/)[problem.line - 1];
  if (line === undefined) return undefined;
  const shown = problem.code === 'literal-secret' ? `${line.slice(0, problem.column - 1)}${REDACTED}` : line;
  return redactor.redactText(shown);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
