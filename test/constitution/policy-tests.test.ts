import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTION_KINDS } from '../../src/actions/kinds.js';
import { readPolicyTestFiles } from '../../src/constitution/policy-test-source.js';
import {
  POLICY_TEST_SCHEMA_FILE,
  type PolicyTestReport,
  runPolicyTests,
} from '../../src/constitution/policy-tests.js';
import { loadFleet } from '../../src/fleet/load.js';
import type { Fleet } from '../../src/fleet/model.js';
import { readSchema } from '../../src/fleet/schemas.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { commitAll, git, gitRepoFrom, tempDir } from '../helpers/git.js';

const QUICKSTART = join(PACKAGE_ROOT, 'examples', 'quickstart');
const DOGFOOD = join(PACKAGE_ROOT, 'fleet');
const NOW = new Date('2026-11-26T12:00:00Z');

const temps: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of temps) cleanup();
});

async function fleetAt(dir: string): Promise<Fleet> {
  const result = await loadFleet({ fleet: dir, cwd: PACKAGE_ROOT, now: NOW });
  if (!result.fleet) throw new Error(`fleet ${dir} does not load`);
  return result.fleet;
}

async function runShipped(dir: string): Promise<PolicyTestReport> {
  const fleet = await fleetAt(dir);
  const files = await readPolicyTestFiles({ fleet: dir, cwd: PACKAGE_ROOT, revision: fleet.revision });
  return runPolicyTests(fleet, files);
}

const header = 'apiVersion: codemonkeys.dev/v1\nkind: PolicyTest\nmetadata: { name: t }\nspec:\n  cases:\n';
const deployCase = (name: string, expect: string, extra = '') =>
  `    - name: ${name}\n      now: 2026-11-28T10:00:00Z\n      action: { kind: deploy.apply, product: acme/core-lib, environment: prod }\n${extra}      expect: ${expect}\n`;

describe('the policy tests shipped with the project', () => {
  it.each([
    ['examples/quickstart', QUICKSTART],
    ['fleet', DOGFOOD],
  ])('%s: every case passes', async (_name, dir) => {
    const report = await runShipped(dir);
    expect(report.problems).toEqual([]);
    expect(report.results.filter((result) => !result.passed)).toEqual([]);
    expect(report.passed).toBeGreaterThan(5);
  });

  it.each([
    ['examples/quickstart', QUICKSTART],
    ['fleet', DOGFOOD],
  ])('%s: every rule has a case where it applies and one where it does not', async (_name, dir) => {
    const report = await runShipped(dir);
    const fleet = await fleetAt(dir);
    for (const rule of fleet.constitution.manifest.spec.rules ?? []) {
      const applies = report.results.map(({ actual }) =>
        [...actual.rules, ...actual.advisories, ...actual.excepted].includes(rule.id),
      );
      expect(applies, rule.id).toContain(true);
      expect(applies, rule.id).toContain(false);
    }
  });

  it('the quickstart cases show its exception waiving a rule and lapsing', async () => {
    const report = await runShipped(QUICKSTART);
    const excepted = report.results.filter(({ actual }) => actual.excepted.length > 0);
    expect(excepted.map(({ actual }) => actual.excepted)).toContainEqual([
      'critical-prod-deploys-in-office-hours',
    ]);
    expect(report.results.some(({ id }) => id.endsWith('an expired exception waives nothing'))).toBe(true);
  });
});

describe('running policy tests', () => {
  it('a failing case reports each expected field against the actual verdict', async () => {
    const fleet = await fleetAt(QUICKSTART);
    const files = new Map([
      [
        'policy-tests/wrong.yaml',
        header +
          deployCase('saturday is fine', '{ effect: allow, rules: [], allowed: true, enforcement: hard }'),
      ],
    ]);
    const report = runPolicyTests(fleet, files);
    expect(report).toMatchObject({ passed: 0, failed: 1, problems: [] });
    const [result] = report.results;
    expect(result).toMatchObject({
      id: 't/saturday is fine',
      file: 'policy-tests/wrong.yaml',
      line: 6,
      passed: false,
    });
    expect(result?.mismatches).toEqual([
      { field: 'effect', expected: 'allow', actual: 'deny' },
      { field: 'rules', expected: [], actual: ['no-weekend-prod-deploys'] },
      { field: 'allowed', expected: true, actual: false },
    ]);
    expect(result?.actual.blocker).toMatchObject({ type: 'denied', rules: ['no-weekend-prod-deploys'] });
  });

  it('compares lists as sets', async () => {
    const fleet = await fleetAt(QUICKSTART);
    const files = new Map([
      [
        'policy-tests/sets.yaml',
        `${header}    - name: heal waits\n      now: 2026-11-24T10:00:00Z\n      action: { kind: heal.attempt, product: acme/core-lib, paths: [src/a.js] }\n      expect: { approvers: [bob, alice] }\n`,
      ],
    ]);
    expect(runPolicyTests(fleet, files)).toMatchObject({ passed: 1, failed: 0 });
  });

  it('runs only the cases whose test/case id matches --run', async () => {
    const fleet = await fleetAt(QUICKSTART);
    const text = header + deployCase('first', '{ effect: deny }') + deployCase('second', '{ effect: deny }');
    const report = runPolicyTests(fleet, new Map([['policy-tests/a.yaml', text]]), { run: /^t\/sec/ });
    expect(report.results.map(({ id }) => id)).toEqual(['t/second']);
    expect(report.skipped).toBe(1);
  });

  it.each([
    {
      name: 'an unknown field, located at its key with a suggestion',
      text: header + deployCase('x', '{ effect: deny, rulez: [a] }'),
      expected: {
        line: 9,
        code: 'unknown-field',
        message: /unknown field 'rulez' \(did you mean 'rules'\?\)/,
      },
    },
    {
      name: 'an unknown action kind',
      text: header + deployCase('x', '{ effect: deny }').replace('deploy.apply', 'deploy.aply'),
      expected: { line: 8, code: 'not-allowed', message: /did you mean 'deploy.apply'/ },
    },
    {
      name: 'a time that is not RFC 3339',
      text: header + deployCase('x', '{ effect: deny }').replace('2026-11-28T10:00:00Z', 'saturday'),
      expected: { line: 7, code: 'bad-format', message: /an RFC 3339 date-time/ },
    },
    {
      name: 'an empty expectation',
      text: header + deployCase('x', '{}'),
      expected: { line: 9, code: 'wrong-shape', message: /any of effect, rules, allowed/ },
    },
    {
      name: 'another kind of manifest',
      text: header.replace('PolicyTest', 'Product') + deployCase('x', '{ effect: deny }'),
      expected: { line: 2, code: 'not-allowed', message: /expected 'PolicyTest'/ },
    },
    {
      name: 'invalid YAML',
      text: `${header}    - name: [unclosed\n`,
      expected: { line: 7, code: 'yaml-syntax', message: /invalid YAML/ },
    },
    {
      name: 'a product the fleet does not have',
      text: header + deployCase('x', '{ effect: deny }').replace('acme/core-lib', 'acme/core-lbi'),
      expected: {
        line: 8,
        code: 'unknown-product',
        message: /'acme\/core-lbi' is not in the fleet \(did you mean 'acme\/core-lib'\?\)/,
      },
    },
    {
      name: 'two cases with one name',
      text: header + deployCase('same', '{ effect: deny }') + deployCase('same', '{ effect: deny }'),
      expected: {
        line: 10,
        code: 'duplicate-case',
        message: /case name 'same' is used twice in this file; first at line 6/,
      },
    },
  ])('a malformed test file is a located error: $name', async ({ text, expected }) => {
    const fleet = await fleetAt(QUICKSTART);
    const report = runPolicyTests(fleet, new Map([['policy-tests/bad.yaml', text]]));
    expect(report.results).toEqual([]);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({
      severity: 'error',
      file: 'policy-tests/bad.yaml',
      ...expected,
    });
  });

  it('the schema lists every action kind the reconciler plans', () => {
    const schema = readSchema(POLICY_TEST_SCHEMA_FILE) as {
      $defs: { action: { properties: { kind: { enum: string[] } } } };
    };
    expect(schema.$defs.action.properties.kind.enum.sort()).toEqual(Object.keys(ACTION_KINDS).sort());
  });
});

describe('reading policy tests from the fleet repo', () => {
  it('reads the files on disk, or those of the revision asked for', async () => {
    const { dir, cleanup } = tempDir('cm-policy-');
    temps.push(cleanup);
    await gitRepoFrom(QUICKSTART, dir);
    const file = join(dir, 'policy-tests', 'constitution.test.yaml');
    const committed = readFileSync(file, 'utf8');
    writeFileSync(join(dir, 'policy-tests', 'extra.yml'), header + deployCase('x', '{ effect: deny }'));
    const first = await commitAll(dir, 'extra test');
    writeFileSync(file, `${committed}# edited\n`);
    const onDisk = await readPolicyTestFiles({ fleet: dir, cwd: dir, revision: first });
    expect(onDisk.get('policy-tests/constitution.test.yaml')).toContain('# edited');
    const atHead = await readPolicyTestFiles({ fleet: dir, cwd: dir, rev: 'HEAD', revision: first });
    expect([...atHead.keys()]).toEqual(['policy-tests/constitution.test.yaml', 'policy-tests/extra.yml']);
    expect(atHead.get('policy-tests/constitution.test.yaml')).toBe(committed);
  });

  it('reads a fleet kept in a subfolder of a repo at a revision', async () => {
    const { dir, cleanup } = tempDir('cm-policy-');
    temps.push(cleanup);
    await gitRepoFrom(DOGFOOD, join(dir, 'nested'));
    const files = await readPolicyTestFiles({ fleet: 'nested', cwd: dir, rev: 'HEAD', revision: null }).catch(
      (error: Error) => error,
    );
    expect(files).toBeInstanceOf(Error);
    const fleet = await loadFleet({ fleet: 'nested', rev: 'HEAD', cwd: dir, now: NOW });
    const read = await readPolicyTestFiles({
      fleet: 'nested',
      cwd: dir,
      rev: 'HEAD',
      revision: fleet.revision,
    });
    expect([...read.keys()]).toEqual(['policy-tests/rules.test.yaml']);
  });

  it('reads a remote fleet repo from the mirror the loader fetched, and a bare repo', async () => {
    const { dir, cleanup } = tempDir('cm-policy-');
    temps.push(cleanup);
    const work = join(dir, 'work');
    await gitRepoFrom(DOGFOOD, work);
    const bare = join(dir, 'fleet.git');
    await git(work, 'clone', '-q', '--bare', work, bare);
    const cacheDir = join(dir, 'cache');
    const url = `file://${bare}`;
    const fleet = await loadFleet({ fleet: url, cwd: '/', cacheDir, now: NOW });
    const remote = await readPolicyTestFiles({ fleet: url, cwd: '/', cacheDir, revision: fleet.revision });
    expect([...remote.keys()]).toEqual(['policy-tests/rules.test.yaml']);
    const local = await readPolicyTestFiles({ fleet: bare, cwd: '/', revision: fleet.revision });
    expect(local).toEqual(remote);
    const loaded = await fleetAt(DOGFOOD);
    expect(runPolicyTests(loaded, remote)).toMatchObject({ failed: 0, problems: [] });
  });

  it('finds no policy tests in a fleet without the folder', async () => {
    const { dir, cleanup } = tempDir('cm-policy-');
    temps.push(cleanup);
    expect((await readPolicyTestFiles({ fleet: dir, cwd: dir, revision: null })).size).toBe(0);
  });
});
