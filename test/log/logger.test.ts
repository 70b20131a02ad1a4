import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { REDACTED, Redactor } from '../../src/log/redact.js';

function capture(pretty: boolean) {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const redactor = new Redactor();
  const logger = createLogger({ level: 'debug', pretty, stream, redactor });
  return { logger, redactor, text: () => chunks.join('') };
}

describe('the logger', () => {
  it('writes JSON lines with static messages and data in the object', () => {
    const { logger, text } = capture(false);
    logger.info({ product: 'acme/widget', runId: 'r1' }, 'build started');
    const line = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: 'build started', product: 'acme/widget', runId: 'r1' });
  });

  it.each([false, true])('never writes a registered secret (pretty: %s)', (pretty) => {
    const { logger, redactor, text } = capture(pretty);
    const secret = 'tok-3f9a8b7c6d';
    redactor.register(secret);
    logger.warn({ header: `Bearer ${secret}`, nested: { list: [secret] } }, `calling with ${secret}`);
    logger.error({ err: new Error(`request failed for ${secret}`, { cause: new Error(secret) }) }, 'failed');
    const output = text();
    expect(output).not.toContain(secret);
    expect(output).toContain(REDACTED);
  });

  it.each([false, true])(
    'writes control and bidi characters from user files escaped, never raw (pretty: %s)',
    (pretty) => {
      const { logger, text } = capture(pretty);
      const hostile = 'widget\u001b]0;pwned\u0007\u202eevil\u009b';
      logger.warn({ file: hostile, list: [hostile] }, `cannot read ${hostile}`);
      logger.error({ err: new Error(`bad ${hostile}`) }, 'failed');
      const output = text();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for the raw characters
      expect(output).not.toMatch(/[\u0007\u001b\u009b\u202e]/);
      if (pretty) expect(output).toContain('widget\\x1b]0;pwned\\x07\\u202eevil\\x9b');
      else {
        // The JSON lines still parse to the very same values.
        const first = JSON.parse(output.split('\n')[0] ?? '') as { file: string; msg: string };
        expect(first.file).toBe(hostile);
        expect(first.msg).toBe(`cannot read ${hostile}`);
      }
    },
  );

  it('redacts values under secret-named keys and passwords in URLs', () => {
    const { logger, text } = capture(false);
    logger.info(
      {
        token: 'plain-unregistered',
        password: 'pw-unregistered',
        url: 'https://bob:pa55word@git.example.com/x.git',
      },
      'connect',
    );
    const output = text();
    expect(output).not.toMatch(/plain-unregistered|pw-unregistered|pa55word/);
    expect(output).toContain('https://bob:[REDACTED]@git.example.com/x.git');
  });
});

describe('the redactor', () => {
  it('replaces the longer of two overlapping secrets whole', () => {
    const redactor = new Redactor();
    redactor.register('abcd');
    redactor.register('abcdefgh');
    expect(redactor.redactText('x abcdefgh y abcd')).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it('ignores values too short to be secrets, so ordinary words survive', () => {
    const redactor = new Redactor();
    redactor.register('ok');
    expect(redactor.redactText('ok')).toBe('ok');
    expect(redactor.size).toBe(0);
  });
});
