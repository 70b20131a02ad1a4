/**
 * A Groovy triple-single-quoted literal whose value is exactly `text`. Single-quoted Groovy
 * strings are plain java.lang.String: no `$x`/`${}` interpolation (Groovy Language
 * Documentation, "Syntax" › "Strings" › "Triple-single-quoted string"). It cannot break out:
 * - a backslash is always written `\\`, so each backslash we write starts an escape we chose
 *   (`\\`, `\'`, `\r`, `\uXXXX`); this also defeats Groovy 2's UnicodeEscapingReader (the parser Jenkins
 *   runs), which turns `\uXXXX` into a character before lexing but passes a backslash pair by;
 * - a quote is written bare only when a non-quote follows it, so `'''` only ever closes the
 *   string (TsqStringCharacter in apache/groovy src/antlr/GroovyLexer.g4; STRING_LITERAL in
 *   Groovy 2's groovy.g: a quote is content when no two quotes follow);
 * - CR is written `\r` (Groovy removes raw CRs from multi-line strings: AstBuilder, "remove CR in
 *   the multiline string"); other controls and invisible bidi marks are written `\uXXXX`.
 * Throws a TypeError for what unrepresentableInGroovy names.
 */
export function groovyTripleQuoted(text: string): string {
  return `'''${encodeGroovy(text, true)}'''`;
}

/** A Groovy single-quoted literal of `text`: groovyTripleQuoted's rules, every quote and line break escaped. */
export function groovyQuoted(text: string): string {
  return `'${encodeGroovy(text, false)}'`;
}

/**
 * What in `text` no Jenkinsfile can carry, for a message (undefined when nothing): NUL (no shell
 * command can hold it), U+FFFF (Groovy 2's ANTLR lexer reads it as the end of the file, escaped or
 * not), an unpaired surrogate (not text).
 */
export function unrepresentableInGroovy(text: string): string | undefined {
  let position = 0;
  for (const char of text) {
    position++;
    const code = char.codePointAt(0) as number;
    if (code === 0) return `NUL (U+0000) at character ${position}`;
    if (code === 0xffff) return `U+FFFF at character ${position}`;
    if (code >= 0xd800 && code <= 0xdfff) return `an unpaired surrogate at character ${position}`;
  }
  return undefined;
}

function encodeGroovy(text: string, multiline: boolean): string {
  const problem = unrepresentableInGroovy(text);
  if (problem) throw new TypeError(`no Groovy string literal can hold ${problem}`);
  const chars = [...text];
  let out = '';
  for (const [index, char] of chars.entries()) out += encodeChar(char, chars[index + 1], multiline);
  return out;
}

function encodeChar(char: string, next: string | undefined, multiline: boolean): string {
  if (char === '\\') return '\\\\';
  if (char === "'") return multiline && next !== undefined && next !== "'" ? "'" : "\\'";
  if (char === '\n') return multiline ? '\n' : '\\n';
  if (char === '\r') return '\\r';
  const code = char.codePointAt(0) as number;
  return isInvisible(code) ? `\\u${code.toString(16).padStart(4, '0')}` : char;
}

/** Controls (but tab and line feed), and the format marks that reorder or hide text in a review. */
function isInvisible(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}
