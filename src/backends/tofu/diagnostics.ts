import { posix } from 'node:path';

/**
 * One diagnostic as tofu reports it with `-json`: in the UI message stream of init, plan and
 * apply (`{"type":"diagnostic","diagnostic":{…}}`) and in `validate -json` (`diagnostics[]`).
 * See https://opentofu.org/docs/internals/machine-readable-ui/#diagnostic and
 * https://opentofu.org/docs/cli/commands/validate/#json. Read leniently: fields tofu leaves out
 * (a diagnostic about the state has no source range) are simply absent here.
 */
export interface TofuDiagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  /** Where in the module's files, when tofu names a place; `filename` is relative to the module folder. */
  range?: { filename: string; line: number; column: number };
}

/** One message of tofu's machine-readable UI stream: `type` (version, diagnostic, change_summary…) and the rest. */
export type TofuUiMessage = { type: string; '@message'?: string } & Record<string, unknown>;

/** Parses `-json` output, one JSON object a line; anything else (a panic, a provider's stray print) is skipped. */
export function parseUiStream(text: string): TofuUiMessage[] {
  const messages: TofuUiMessage[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (isRecord(value) && typeof value.type === 'string') messages.push(value as TofuUiMessage);
    } catch {
      // Not a message: skipped, as the stream's documentation asks of unknown content.
    }
  }
  return messages;
}

/** The diagnostics of a UI message stream, in order. */
export function streamDiagnostics(messages: readonly TofuUiMessage[]): TofuDiagnostic[] {
  const found: TofuDiagnostic[] = [];
  for (const message of messages) {
    if (message.type !== 'diagnostic') continue;
    const diagnostic = readDiagnostic(message.diagnostic);
    if (diagnostic) found.push(diagnostic);
  }
  return found;
}

/** The diagnostics of `tofu validate -json` output; none when the text is not that document. */
export function validateDiagnostics(
  text: string,
): { valid: boolean; diagnostics: TofuDiagnostic[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.valid !== 'boolean') return undefined;
  const list = Array.isArray(value.diagnostics) ? value.diagnostics : [];
  const diagnostics = list.map(readDiagnostic).filter((item) => item !== undefined);
  return { valid: value.valid, diagnostics };
}

/** A diagnostic object, or undefined when it lacks a summary. */
export function readDiagnostic(value: unknown): TofuDiagnostic | undefined {
  if (!isRecord(value) || typeof value.summary !== 'string') return undefined;
  const severity = value.severity === 'warning' ? 'warning' : 'error';
  const detail = typeof value.detail === 'string' ? value.detail : '';
  const diagnostic: TofuDiagnostic = { severity, summary: value.summary, detail };
  const range = readRange(value.range);
  if (range) diagnostic.range = range;
  return diagnostic;
}

function readRange(value: unknown): TofuDiagnostic['range'] | undefined {
  if (!isRecord(value) || typeof value.filename !== 'string' || !isRecord(value.start)) return undefined;
  const { line, column } = value.start;
  if (typeof line !== 'number') return undefined;
  return { filename: value.filename, line, column: typeof column === 'number' ? column : 1 };
}

/**
 * A diagnostic as one line for people: `<module>/<file>:<line>:<column>: <summary>: <detail>`.
 * `moduleLabel` is how the module was named (`tofu/modules/static-site`); the detail is cut at
 * its first paragraph, which is where tofu says what is wrong.
 */
export function formatDiagnostic(diagnostic: TofuDiagnostic, moduleLabel: string): string {
  const where = diagnostic.range ? `${locate(diagnostic.range, moduleLabel)}: ` : '';
  const detail = firstParagraph(diagnostic.detail);
  return `${where}${diagnostic.summary}${detail ? `: ${detail}` : ''}`;
}

/** `file:line:column` with the file under the module's label. */
export function locate(range: NonNullable<TofuDiagnostic['range']>, moduleLabel: string): string {
  const file = posix.isAbsolute(range.filename) ? range.filename : posix.join(moduleLabel, range.filename);
  return `${file}:${range.line}:${range.column}`;
}

function firstParagraph(text: string): string {
  const paragraph = text.trim().split(/\n\s*\n/)[0] ?? '';
  const flat = paragraph.replace(/\s+/g, ' ').trim();
  return flat.length > 400 ? `${flat.slice(0, 397)}...` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
