import type { ManifestKind } from './model.js';
import type { Problem } from './problems.js';
import type { ParsedYaml } from './yaml.js';

/** A manifest file that parsed, with its kind; `valid` once its schema accepted it. */
export interface ManifestDocument {
  file: string;
  kind: ManifestKind;
  value: Record<string, unknown>;
  parsed: ParsedYaml;
  valid: boolean;
}

/** Which files of a fleet repo are manifests, and the kind each place holds. */
export function manifestRole(path: string): ManifestKind | undefined {
  if (path === 'fleet.yaml' || path === 'fleet.yml') return 'Fleet';
  if (path === 'constitution.yaml' || path === 'constitution.yml') return 'Constitution';
  if (path.startsWith('products/') && /\.ya?ml$/.test(path)) return 'Product';
  return undefined;
}

/** `file:line` of a value in a document, for messages that point from one place to another. */
export function placeOf(document: ManifestDocument, pointer: string): string {
  const { line } = document.parsed.locate(pointer);
  return `${document.file}:${line}`;
}

export interface ProblemDetails {
  severity?: 'error' | 'warning';
  /** Point at the key naming the value rather than the value. */
  key?: boolean;
  expected?: string;
  found?: string;
}

/** A problem located at a JSON pointer inside a document. */
export function problemAt(
  document: ManifestDocument,
  pointer: string,
  code: string,
  message: string,
  details: ProblemDetails = {},
): Problem {
  const position = document.parsed.locate(pointer, { key: details.key ?? false });
  const problem: Problem = {
    severity: details.severity ?? 'error',
    code,
    file: document.file,
    ...position,
    pointer,
    message,
  };
  if (details.expected !== undefined) problem.expected = details.expected;
  if (details.found !== undefined) problem.found = details.found;
  return problem;
}
