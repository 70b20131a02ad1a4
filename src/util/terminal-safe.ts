/**
 * What a terminal may act on instead of showing: C0 controls, DEL and C1 controls (ESC starts a
 * colour, a cursor move or a title change; BEL rings; CR overwrites), and the bidirectional
 * controls that make text read in another order than it is (U+061C, U+200E/F, U+202A–E, U+2066–9).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** How `terminalSafe` treats line structure. */
export interface TerminalSafeOptions {
  /**
   * Keep line feeds and tabs (a CR LF becomes a line feed): for text meant to span lines.
   * Default false: one line, with `\n`, `\r` and `\t` shown escaped, as a table cell needs.
   */
  multiline?: boolean;
}

/**
 * Text that shows, and does nothing else, on a terminal: every control and bidi character is
 * written as its escape (`\x1b`, `\x07`, `\x00`, `\u202e`; `\n`, `\r`, `\t` by name). A lone
 * carriage return is escaped even in multiline text. Idempotent; backslashes are left as they are.
 */
export function terminalSafe(text: string, options: TerminalSafeOptions = {}): string {
  const source = options.multiline ? text.replace(/\r\n/g, '\n') : text;
  return source.replace(UNSAFE, (char) =>
    options.multiline && (char === '\n' || char === '\t') ? char : escapeCharacter(char),
  );
}

/**
 * JSON text (as JSON.stringify writes it) with the control and bidi characters it leaves raw in
 * strings (DEL, C1, bidi) written as `\u` escapes: still valid JSON, parsing to the same value.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(UNSAFE, (char) => (char === '\n' ? char : `\\u${hex(char, 4)}`));
}

function escapeCharacter(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  return char.charCodeAt(0) < 0x100 ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`;
}

function hex(char: string, digits: number): string {
  return char.charCodeAt(0).toString(16).padStart(digits, '0');
}

/**
 * A value with every string in it (keys too) made terminal-safe, single-line: for log objects a
 * person reads on a terminal. Arrays and plain objects are copied; other values are kept.
 */
export function terminalSafeValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return terminalSafe(value);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((each) => terminalSafeValue(each, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, each] of Object.entries(value))
    copy[terminalSafe(key)] = terminalSafeValue(each, depth + 1);
  return copy;
}
