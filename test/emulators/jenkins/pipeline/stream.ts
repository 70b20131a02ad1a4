import { CompileError, type Token } from './lexer.js';

/** Tokens with a cursor; newlines are significant only where the caller says so. */
export class TokenStream {
  #at = 0;
  constructor(readonly tokens: Token[]) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.#at + offset, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const token = this.peek();
    if (this.#at < this.tokens.length - 1) this.#at++;
    return token;
  }

  is(value: string, offset = 0): boolean {
    const token = this.peek(offset);
    return (token.type === 'punct' || token.type === 'ident') && token.value === value;
  }

  expect(value: string): Token {
    const token = this.next();
    if ((token.type !== 'punct' && token.type !== 'ident') || token.value !== value)
      throw unexpected(token, `'${value}'`);
    return token;
  }

  skipNewlines(): void {
    while (this.peek().type === 'newline' || this.is(';')) this.next();
  }
}

/** A compile error for a token the grammar did not expect there. */
export function unexpected(token: Token, expected: string): CompileError {
  const found =
    token.type === 'eof' ? 'end of file' : token.type === 'newline' ? 'a newline' : `'${token.value}'`;
  return new CompileError(`unexpected token: ${found}, expecting ${expected}`, token.line, token.column);
}
