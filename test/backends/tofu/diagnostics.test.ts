import { describe, expect, it } from 'vitest';
import {
  formatDiagnostic,
  parseUiStream,
  readDiagnostic,
  streamDiagnostics,
  validateDiagnostics,
} from '../../../src/backends/tofu/diagnostics.js';
import { tofuFailure } from '../../../src/backends/tofu/errors.js';
import { REDACTED, redactor } from '../../../src/log/redact.js';

const located = {
  severity: 'error',
  summary: 'Unsupported argument',
  detail: 'An argument named "nope" is not expected here.\n\nSecond paragraph.',
  range: {
    filename: 'main.tf',
    start: { line: 4, column: 3, byte: 40 },
    end: { line: 4, column: 7, byte: 44 },
  },
};

describe('parseUiStream and streamDiagnostics', () => {
  it('keeps the JSON messages of a stream and skips whatever else tofu or a provider printed', () => {
    const stream = [
      '{"@level":"info","type":"version","tofu":"1.12.6","ui":"1.2"}',
      'panic: something a provider printed',
      `{"@level":"error","type":"diagnostic","diagnostic":${JSON.stringify(located)}}`,
      '{"type":"diagnostic","diagnostic":{"severity":"warning","summary":"Deprecated","detail":""}}',
      '{"no":"type"}',
      '{broken',
    ].join('\n');
    const messages = parseUiStream(stream);
    expect(messages.map((message) => message.type)).toEqual(['version', 'diagnostic', 'diagnostic']);
    expect(streamDiagnostics(messages)).toEqual([
      {
        severity: 'error',
        summary: 'Unsupported argument',
        detail: located.detail,
        range: { filename: 'main.tf', line: 4, column: 3 },
      },
      { severity: 'warning', summary: 'Deprecated', detail: '' },
    ]);
  });
});

describe('validateDiagnostics', () => {
  it('reads the validate -json document', () => {
    const text = JSON.stringify({
      format_version: '1.0',
      valid: false,
      error_count: 1,
      diagnostics: [located],
    });
    expect(validateDiagnostics(text)).toMatchObject({ valid: false, diagnostics: [{ range: { line: 4 } }] });
  });

  it('says undefined for anything else', () => {
    expect(validateDiagnostics('Error: not json')).toBeUndefined();
    expect(validateDiagnostics('{"type":"version"}')).toBeUndefined();
  });
});

describe('formatDiagnostic', () => {
  it('puts the module label before the file and keeps the first paragraph of the detail', () => {
    const diagnostic = readDiagnostic(located);
    if (!diagnostic) throw new Error('the fixture is a diagnostic');
    expect(formatDiagnostic(diagnostic, 'tofu/modules/site')).toBe(
      'tofu/modules/site/main.tf:4:3: Unsupported argument: An argument named "nope" is not expected here.',
    );
  });
});

describe('tofuFailure', () => {
  const run = {
    args: ['apply', '-json'],
    exitCode: 1,
    signal: null,
    timedOut: false,
    stdout: '',
    stderr: '',
    diagnostics: [],
  };
  const context = { product: 'acme/site', moduleLabel: 'tofu/modules/site' };

  it('names how tofu ended when it gave no diagnostics, and calls it transient', () => {
    const error = tofuFailure({ ...run, stderr: 'first\nconnection refused\n' }, context);
    expect(error).toMatchObject({ reason: 'TofuCommandFailed', next: 'transient' });
    expect(error.message).toBe('acme/site: tofu apply failed: exit code 1: connection refused');
    expect(error.command).toEqual(['tofu', 'apply', '-json']);
  });

  it('calls a timeout transient', () => {
    expect(tofuFailure({ ...run, exitCode: null, signal: 'SIGINT', timedOut: true }, context)).toMatchObject({
      reason: 'TofuTimeout',
      next: 'transient',
    });
  });

  it('redacts registered secrets from the message, the diagnostics and the stderr it keeps', () => {
    const secret = 'hunter2-very-secret';
    redactor.register(secret);
    const error = tofuFailure(
      {
        ...run,
        stderr: `token ${secret} refused`,
        diagnostics: [{ severity: 'error', summary: `bad token ${secret}`, detail: '' }],
      },
      context,
    );
    expect(error.message).toBe(`acme/site: tofu apply failed: bad token ${REDACTED}`);
    expect(error.stderrTail).not.toContain(secret);
    expect(JSON.stringify(error.diagnostics)).not.toContain(secret);
  });
});
