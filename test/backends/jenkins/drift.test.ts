import { describe, expect, it } from 'vitest';
import { jenkinsfileDrift } from '../../../src/backends/jenkins/drift.js';
import { renderJenkinsfile } from '../../../src/backends/jenkins/jenkinsfile.js';
import { productWith } from './product.js';

const product = productWith({ steps: ['npm ci', 'npm test'], timeout: '15m' });
const expected = renderJenkinsfile(product);
const lines = expected.split('\n');

/** The generated text with `line` (0-based) replaced by `replacement` lines. */
function edited(line: number, ...replacement: string[]): string {
  return [...lines.slice(0, line), ...replacement, ...lines.slice(line + 1)].join('\n');
}

describe('jenkinsfileDrift', () => {
  it('reports a repo without a Jenkinsfile as missing, with the text to commit', () => {
    expect(jenkinsfileDrift(product, undefined)).toEqual({ state: 'missing', expected });
  });

  it.each([
    { what: 'the same text', committed: expected },
    { what: 'no final newline', committed: expected.slice(0, -1) },
    { what: 'spaces and tabs at line ends', committed: expected.replaceAll('\n', ' \t \n') },
    { what: 'CRLF line ends', committed: expected.replaceAll('\n', '\r\n') },
  ])('reports $what as current', ({ committed }) => {
    expect(jenkinsfileDrift(product, committed)).toEqual({ state: 'current', expected });
  });

  it.each([
    { what: 'an empty file', committed: '' },
    { what: 'a second final newline', committed: `${expected}\n` },
    { what: 'leading whitespace', committed: edited(2, ` ${lines[2]}`) },
    { what: 'whitespace inside a line', committed: expected.replace("\nnpm ci'''", "\nnpm  ci'''") },
    { what: 'a hand-edited header', committed: expected.replace('edit the spec', 'edit me') },
  ])('reports $what as drifted', ({ committed }) => {
    const drift = jenkinsfileDrift(product, committed);
    expect(drift.state).toBe('drifted');
    expect(drift.expected).toBe(expected);
    expect(drift.diff).toMatch(
      /^--- Jenkinsfile \(committed\)\n\+\+\+ Jenkinsfile \(generated from the spec\)\n@@ /,
    );
  });

  it('shows the first differing lines as a unified hunk with two lines of context', () => {
    const at = lines.indexOf("npm test'''");
    const committed = edited(at, "npm test -- --coverage'''");
    expect(jenkinsfileDrift(product, committed).diff).toBe(
      [
        '--- Jenkinsfile (committed)',
        '+++ Jenkinsfile (generated from the spec)',
        `@@ -${at - 1},5 +${at - 1},5 @@`,
        '       steps {',
        "         sh '''#!/usr/bin/env bash",
        "-npm test -- --coverage'''",
        "+npm test'''",
        '       }',
        '     }',
        '',
      ].join('\n'),
    );
  });

  it('shows lines added to the committed file as removals', () => {
    const at = lines.indexOf('  post {');
    const diff = jenkinsfileDrift(
      product,
      edited(at, "    stage('Deploy') { steps { sh 'make deploy' } }", lines[at] as string),
    ).diff;
    expect(diff).toContain(`@@ -${at - 1},5 +${at - 1},4 @@\n`);
    expect(diff).toContain("\n-    stage('Deploy') { steps { sh 'make deploy' } }\n   post {\n");
    expect(diff).not.toMatch(/^\+ {4}/m);
  });

  it('cuts a long difference to eight lines each side and says how many more there are', () => {
    const committed = Array.from({ length: 20 }, (_, index) => `line ${index}`).join('\n');
    const diff = jenkinsfileDrift(product, committed).diff as string;
    expect(diff.split('\n').filter((line) => line.startsWith('-'))).toHaveLength(9);
    expect(diff).toContain('\n\\ 12 more - lines not shown\n');
    expect(diff).toContain(`\n\\ ${lines.length - 1 - 8} more + lines not shown\n`);
    expect(diff).toContain(`@@ -1,20 +1,${lines.length - 1} @@`);
  });
});
