import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadFleetFiles } from '../../src/fleet/load.js';
import { fleetWith } from '../helpers/fleet-fixtures.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const BASE = fleetWith();
const PATHS = [...BASE.files.keys()].sort();

/** Tokens that stress the YAML parser, the schemas and the cross-checks. */
const TOKENS = [
  'null',
  '~',
  '[]',
  '{}',
  '-1',
  '0',
  '1e400',
  'true',
  '"x"',
  "'",
  '"',
  '[',
  ']',
  '{',
  '}',
  ': :',
  '- -',
  '\t',
  '*a',
  '&a x',
  '*nope',
  '!!binary aGk=',
  '!tag x',
  '<<: *a',
  '? complex',
  '|',
  '>-',
  '#',
  '%YAML 1.1',
  '---',
  '...',
  'acme/widget',
  'acme/core-lib',
  'globex/portal',
  'x/y/z',
  'ümlaut',
  '🐒',
  'a'.repeat(300),
  'deploy.apply',
  'release.*',
  '{ env: X }',
  '{ file: f }',
  'token: abc',
  'kind: Fleet',
  'kind: Product',
  'dependsOn: [acme/widget]',
  '2026-01-01T00:00:00Z',
];

type Mutation =
  | { op: 'delete-line' | 'duplicate-line' | 'indent' | 'dedent' | 'truncate'; file: number; at: number }
  | { op: 'replace-value' | 'insert' | 'replace-key'; file: number; at: number; token: string }
  | { op: 'swap-lines'; file: number; at: number; other: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('delete-line', 'duplicate-line', 'indent', 'dedent', 'truncate'),
    file: fc.nat(),
    at: fc.nat(),
  }),
  fc.record({
    op: fc.constantFrom('replace-value', 'insert', 'replace-key'),
    file: fc.nat(),
    at: fc.nat(),
    token: fc.constantFrom(...TOKENS),
  }),
  fc.record({ op: fc.constant('swap-lines'), file: fc.nat(), at: fc.nat(), other: fc.nat() }),
) as fc.Arbitrary<Mutation>;

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const index = m.at % Math.max(lines.length, 1);
  const line = lines[index] ?? '';
  switch (m.op) {
    case 'delete-line':
      lines.splice(index, 1);
      break;
    case 'duplicate-line':
      lines.splice(index, 0, line);
      break;
    case 'indent':
      lines[index] = `  ${line}`;
      break;
    case 'dedent':
      lines[index] = line.replace(/^ {1,2}/, '');
      break;
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'swap-lines': {
      const other = m.other % Math.max(lines.length, 1);
      lines[index] = lines[other] ?? '';
      lines[other] = line;
      break;
    }
    case 'replace-value':
      lines[index] = line.includes(': ')
        ? `${line.slice(0, line.indexOf(': ') + 2)}${m.token}`
        : `${line} ${m.token}`;
      break;
    case 'replace-key':
      lines[index] = line.replace(/^(\s*-?\s*)[A-Za-z]+/, `$1${m.token}`);
      break;
    case 'insert': {
      const column = m.at % (line.length + 1);
      lines[index] = `${line.slice(0, column)}${m.token}${line.slice(column)}`;
      break;
    }
  }
  return lines.join('\n');
}

describe('the loader under mutated manifests', () => {
  it('never crashes, and every failure is a located error (3,000 seeded mutants)', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const files = new Map(BASE.files);
        for (const m of mutations) {
          const path = PATHS[m.file % PATHS.length] as string;
          files.set(path, mutate(files.get(path) ?? '', m));
        }
        const result = loadFleetFiles({ ...BASE, files }, NOW);
        for (const problem of result.problems) {
          const lines = (files.get(problem.file) ?? '').split('\n').length;
          expect(
            problem.file === 'fleet.yaml' || problem.file === 'constitution.yaml' || files.has(problem.file),
          ).toBe(true);
          expect(Number.isInteger(problem.line) && problem.line >= 1 && problem.line <= lines + 1).toBe(true);
          expect(Number.isInteger(problem.column) && problem.column >= 1).toBe(true);
          expect(typeof problem.pointer).toBe('string');
          expect(problem.message.length).toBeGreaterThan(0);
        }
        const errors = result.problems.filter((problem) => problem.severity === 'error');
        expect(result.fleet === undefined).toBe(errors.length > 0);
      }),
      { seed: 20261126, numRuns: 3000 },
    );
  });
});
