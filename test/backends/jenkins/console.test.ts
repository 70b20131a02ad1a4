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

  const CLONE_REFUSED = [
    'Cloning the remote Git repository',
    'hudson.plugins.git.GitException: Command "git clone http://127.0.0.1:1/acme/lib.git" returned status code 128:',
    "stderr: fatal: Authentication failed for 'http://127.0.0.1:1/acme/lib.git/'",
  ];
  const SKIPPED_BUILD = ['make', ['Stage "make" skipped due to earlier failure(s)']] as [string, string[]];

  it.each([
    { line: 'using credential acme-git-token', credential: { id: 'acme-git-token', found: true } },
    {
      line: 'Warning: CredentialId "acme-git-token" could not be found.',
      credential: { id: 'acme-git-token', found: false },
    },
  ])('names the credential a failed checkout cloned with: $line', ({ line, credential }) => {
    const text = log(
      [
        ['Checkout', ['[Pipeline] checkout', 'The recommended git tool is: NONE', line, ...CLONE_REFUSED]],
        SKIPPED_BUILD,
      ],
      [...POST, "ERROR: Error cloning remote repo 'origin'", 'Finished: FAILURE'],
    );
    expect(consoleFailure(text)).toEqual({ stage: 'Checkout', exitCode: null, credential });
  });

  it('names no credential when the failing stage is not the checkout', () => {
    const text = log(
      [
        ['Checkout', ['[Pipeline] checkout', 'using credential acme-git-token']],
        ['make', ['+ make']],
      ],
      ['ERROR: script returned exit code 2', 'Finished: FAILURE'],
    );
    expect(consoleFailure(text)).toEqual({ stage: 'make', exitCode: 2 });
  });

  it('gives nothing for a log that names no stage', () => {
    expect(consoleFailure('Started by user x\nERROR: something else\nFinished: FAILURE\n')).toBeUndefined();
  });
});
