/** One thing wrong (or worth a look) in a fleet repo, located precisely. */
export interface Problem {
  severity: 'error' | 'warning';
  /** Short machine-readable code, such as `unknown-field` or `dependency-cycle`. */
  code: string;
  /** Path relative to the fleet root, with '/' separators. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** JSON pointer (RFC 6901) to the value inside the document; '' for the whole document. */
  pointer: string;
  /** What is wrong, for people; includes what was expected and what was found. */
  message: string;
  expected?: string;
  found?: string;
}

export function isError(problem: Problem): boolean {
  return problem.severity === 'error';
}

/** Orders problems by file, then position, then message: stable output for people and tests. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.message.localeCompare(b.message),
  );
}
