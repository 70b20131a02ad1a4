import { describe, expect, it } from 'vitest';
import { consoleFailure } from '../../../src/backends/jenkins/console.js';

/** A declarative pipeline's console log, as Jenkins prints it, with `body` lines per stage. */
function log(stages: [string, string[]][], tail: string[]): string {
  const lines = [
    'Started by user codemonkeys',
    '[Pipeline] Start of Pipeline',
    '[Pipeline] node',
    '[Pipeline] {',
  ];
  for (const [name, body] of stages)
    lines.push('[Pipeline] stage', `[Pipeline] { (${name})`, ...body, '[Pipeline] }', '[Pipeline] // stage');
  lines.push(...tail);
  return `${lines.join('\n')}\n`;
}

const POST = [
  '[Pipeline] stage',
  '[Pipeline] { (Declarative: Post Actions)',
  '[Pipeline] junit',
  '[Pipeline] }',
];

describe('consoleFailure', () => {
  it('names the stage whose sh step failed, before the stages skipped for it, and its exit code', () => {
    const text = log(
      [
        ['Checkout', ['[Pipeline] checkout']],
        ['npm ci', ['[Pipeline] sh', '+ npm ci']],
        ['npm test', ['[Pipeline] sh', '+ npm test', 'not ok 1 - adds']],
        ['npm run lint', ['Stage "npm run lint" skipped due to earlier failure(s)']],
      ],
      [...POST, '[Pipeline] End of Pipeline', 'ERROR: script returned exit code 1', 'Finished: FAILURE'],
    );
    expect(consoleFailure(text)).toEqual({ stage: 'npm test', exitCode: 1 });
  });

  it('names the last stage when it is the one that failed', () => {
    const text = log(
      [
        ['Checkout', []],
        ['make', ['+ make']],
      ],
      ['ERROR: script returned exit code 2', 'Finished: FAILURE'],
    );
    expect(consoleFailure(text)).toEqual({ stage: 'make', exitCode: 2 });
  });

  it('ignores declarative bookkeeping stages and reads CRLF logs', () => {
    const text = log(
      [
        ['Declarative: Checkout SCM', []],
        ['build', ['+ ./build.sh']],
      ],
      ['ERROR: script returned exit code 127', 'Finished: FAILURE'],
    ).replaceAll('\n', '\r\n');
    expect(consoleFailure(text)).toEqual({ stage: 'build', exitCode: 127 });
  });

  it('gives nothing for a log that names no stage', () => {
    expect(consoleFailure('Started by user x\nERROR: something else\nFinished: FAILURE\n')).toBeUndefined();
  });
});
