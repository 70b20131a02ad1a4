/**
 * Tokens of the Groovy subset a declarative Jenkinsfile is written in. Strings follow the Groovy
 * language documentation ("Syntax" → "Strings"): '…' and '''…''' are plain strings; "…" and
 * """…""" are GStrings whose `${expr}` and `$name.name` parts are interpolated; in every kind the
 * escapes are \' \" \\ \$ \b \f \n \r \t and \uXXXX, and a backslash before a newline joins lines.
 */

export type Token =
  | { type: 'ident'; value: string; line: number; column: number }
  | { type: 'number'; value: string; line: number; column: number }
  | { type: 'punct'; value: string; line: number; column: number }
  | { type: 'newline'; value: '\n'; line: number; column: number }
  | { type: 'string'; value: string; line: number; column: number }
  | { type: 'gstring'; parts: GStringPart[]; value: string; line: number; column: number }
  | { type: 'eof'; value: ''; line: number; column: number };

/** Literal text, or the Groovy source of an interpolated expression. */
export type GStringPart = { text: string } | { expr: string };

/** A compile error, reported as Groovy does: `WorkflowScript: 3: message @ line 3, column 5.` */
export class CompileError extends Error {
  override name = 'CompileError';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

const ESCAPES: Record<string, string> = {
  "'": "'",
  '"': '"',
  '\\': '\\',
  $: '$',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const PUNCT = [
  '==',
  '!=',
  '&&',
  '||',
  '?.',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ',',
  ':',
  ';',
  '.',
  '=',
  '+',
  '-',
  '!',
  '<',
  '>',
];

/** Splits a Jenkinsfile into tokens; a lexical error is a CompileError with its line and column. */
export function tokenize(source: string): Token[] {
  const lexer = new Lexer(source);
  return lexer.run();
}

class Lexer {
  readonly #src: string;
  #at = 0;
  #line = 1;
  #lineStart = 0;
  readonly #tokens: Token[] = [];

  constructor(source: string) {
    this.#src = source;
  }

  run(): Token[] {
    while (this.#at < this.#src.length) this.#next();
    this.#tokens.push({ type: 'eof', value: '', ...this.#position() });
    return this.#tokens;
  }

  #position(): { line: number; column: number } {
    return { line: this.#line, column: this.#at - this.#lineStart + 1 };
  }

  #newline(): void {
    this.#line++;
    this.#lineStart = this.#at;
  }

  #next(): void {
    const src = this.#src;
    const ch = src[this.#at] as string;
    const where = this.#position();
    if (ch === '\n') {
      this.#at++;
      this.#tokens.push({ type: 'newline', value: '\n', ...where });
      this.#newline();
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      this.#at++;
    } else if (ch === '\\' && src[this.#at + 1] === '\n') {
      this.#at += 2;
      this.#newline();
    } else if (src.startsWith('//', this.#at)) {
      while (this.#at < src.length && src[this.#at] !== '\n') this.#at++;
    } else if (src.startsWith('/*', this.#at)) {
      this.#blockComment(where);
    } else if (ch === "'" || ch === '"') {
      this.#string(ch, where);
    } else if (/[A-Za-z_$]/.test(ch)) {
      const match = /^[A-Za-z_$][\w$]*/.exec(src.slice(this.#at))?.[0] ?? ch;
      this.#at += match.length;
      this.#tokens.push({ type: 'ident', value: match, ...where });
    } else if (/[0-9]/.test(ch)) {
      const match = /^\d+(\.\d+)?[LlGgDdFf]?/.exec(src.slice(this.#at))?.[0] ?? ch;
      this.#at += match.length;
      this.#tokens.push({ type: 'number', value: match.replace(/[LlGgDdFf]$/, ''), ...where });
    } else {
      const punct = PUNCT.find((candidate) => src.startsWith(candidate, this.#at));
      if (!punct) throw new CompileError(`unexpected char: '${ch}'`, where.line, where.column);
      this.#at += punct.length;
      this.#tokens.push({ type: 'punct', value: punct, ...where });
    }
  }

  #blockComment(where: { line: number; column: number }): void {
    const end = this.#src.indexOf('*/', this.#at + 2);
    if (end < 0) throw new CompileError('unexpected end of file in a comment', where.line, where.column);
    while (this.#at < end + 2) {
      if (this.#src[this.#at] === '\n') {
        this.#at++;
        this.#newline();
      } else this.#at++;
    }
  }

  #string(quote: "'" | '"', where: { line: number; column: number }): void {
    const triple = this.#src.startsWith(quote.repeat(3), this.#at);
    const delimiter = triple ? quote.repeat(3) : quote;
    const interpolates = quote === '"';
    this.#at += delimiter.length;
    const parts: GStringPart[] = [];
    let text = '';
    for (;;) {
      if (this.#at >= this.#src.length) {
        throw new CompileError('unexpected end of file in a string literal', where.line, where.column);
      }
      if (this.#src.startsWith(delimiter, this.#at)) {
        this.#at += delimiter.length;
        break;
      }
      const ch = this.#src[this.#at] as string;
      if (ch === '\n') {
        if (!triple)
          throw new CompileError(
            'expecting the end of the string, found a newline',
            where.line,
            where.column,
          );
        text += ch;
        this.#at++;
        this.#newline();
      } else if (ch === '\\') {
        text += this.#escape();
      } else if (interpolates && ch === '$' && /[{A-Za-z_]/.test(this.#src[this.#at + 1] ?? '')) {
        if (text) parts.push({ text });
        text = '';
        parts.push({ expr: this.#interpolation(where) });
      } else {
        text += ch;
        this.#at++;
      }
    }
    if (text || parts.length === 0) parts.push({ text });
    const value = parts.map((part) => ('text' in part ? part.text : `\${${part.expr}}`)).join('');
    if (parts.every((part) => 'text' in part)) this.#tokens.push({ type: 'string', value, ...where });
    else this.#tokens.push({ type: 'gstring', parts, value, ...where });
  }

  #escape(): string {
    const next = this.#src[this.#at + 1] ?? '';
    const where = this.#position();
    if (next === '\n') {
      this.#at += 2;
      this.#newline();
      return '';
    }
    if (next === 'u') {
      const hex = this.#src.slice(this.#at + 2, this.#at + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex))
        throw new CompileError('Did not find four digit hex character code.', where.line, where.column);
      this.#at += 6;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    const escaped = ESCAPES[next];
    if (escaped === undefined)
      throw new CompileError(`unexpected char: '\\' followed by '${next}'`, where.line, where.column);
    this.#at += 2;
    return escaped;
  }

  /** `${ … }` (balanced braces) or `$name.name`. */
  #interpolation(where: { line: number; column: number }): string {
    this.#at++;
    if (this.#src[this.#at] !== '{') {
      const match = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*/.exec(this.#src.slice(this.#at))?.[0] ?? '';
      this.#at += match.length;
      return match;
    }
    let depth = 0;
    const start = this.#at + 1;
    for (; this.#at < this.#src.length; this.#at++) {
      const ch = this.#src[this.#at];
      if (ch === '{') depth++;
      if (ch === '}' && --depth === 0) {
        this.#at++;
        return this.#src.slice(start, this.#at - 1).trim();
      }
    }
    throw new CompileError('unexpected end of file in a GString expression', where.line, where.column);
  }
}
