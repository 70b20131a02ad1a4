import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeJson } from '../../src/util/terminal-safe.js';
import { RAW_CONTROL } from '../helpers/terminal.js';

describe('terminalSafe', () => {
  it.each([
    ['plain text', 'acme/widget: ok', 'acme/widget: ok'],
    ['ESC of a clear-screen sequence', 'a\u001b[2Jb', 'a\\x1b[2Jb'],
    ['an OSC title change ended by BEL', '\u001b]0;title\u0007', '\\x1b]0;title\\x07'],
    ['NUL', 'a\u0000b', 'a\\x00b'],
    ['DEL', 'a\u007fb', 'a\\x7fb'],
    ['a C1 control (CSI)', 'a\u009b2Jb', 'a\\x9b2Jb'],
    ['the right-to-left override', 'txt.\u202eexe', 'txt.\\u202eexe'],
    [
      'every bidi control',
      '\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069',
      '\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069',
    ],
    ['line breaks and tabs, by name', 'one\r\ntwo\tthree\rfour', 'one\\r\\ntwo\\tthree\\rfour'],
    ['characters that are not controls', 'naïve ✓ → 日本 \u00a0 \u200d', 'naïve ✓ → 日本 \u00a0 \u200d'],
  ])('on one line, escapes %s', (_name, text, shown) => {
    expect(terminalSafe(text)).toBe(shown);
  });

  it.each([
    ['keeps line feeds and tabs', 'one\ntwo\tthree', 'one\ntwo\tthree'],
    ['turns CR LF into a line feed', 'one\r\ntwo\r\n', 'one\ntwo\n'],
    ['escapes a lone carriage return, which would overwrite the line', 'safe\revil', 'safe\\revil'],
    ['escapes the other controls', 'log\n\u001b[31mred\u0007\n\u202e', 'log\n\\x1b[31mred\\x07\n\\u202e'],
  ])('in multiline text, %s', (_name, text, shown) => {
    expect(terminalSafe(text, { multiline: true })).toBe(shown);
  });

  it('leaves nothing a terminal acts on, one line stays one line, and escaping twice changes nothing', () => {
    const ranges = [
      [0x00, 0xff],
      [0x600, 0x620],
      [0x2000, 0x2070],
    ] as const;
    let every = '';
    for (const [from, to] of ranges)
      for (let code = from; code <= to; code++) every += String.fromCharCode(code);
    for (const options of [{}, { multiline: true }]) {
      const once = terminalSafe(every, options);
      expect(once).not.toMatch(RAW_CONTROL);
      expect(terminalSafe(once, options)).toBe(once);
    }
    expect(terminalSafe(every)).not.toMatch(/[\n\t]/);
  });
});

describe('terminalSafeJson', () => {
  it('escapes DEL, C1 and bidi characters as \\u escapes: still JSON, parsing to the same value', () => {
    const value = {
      message: 'a\u007fb\u009b2J\u202eevil\u2066',
      esc: '\u001b[2J\u0007\u0000',
      lines: 'x\ny',
    };
    const json = JSON.stringify(value, null, 2);
    const safe = terminalSafeJson(json);
    expect(safe).not.toMatch(RAW_CONTROL);
    expect(safe).toContain('a\\u007fb\\u009b2J\\u202eevil\\u2066');
    expect(safe).toContain('\\u001b[2J\\u0007\\u0000');
    expect(JSON.parse(safe)).toEqual(value);
  });

  it('leaves JSON without such characters byte for byte as it was', () => {
    const json = JSON.stringify({ id: 'acme/widget', nested: [1, 'two', { three: null }] }, null, 2);
    expect(terminalSafeJson(json)).toBe(json);
  });
});
