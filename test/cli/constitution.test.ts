import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { constitutionCommand } from '../../src/cli/constitution.js';
import { createContext } from '../../src/cli/context.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { testClock } from '../helpers/clock.js';
import { tempDir } from '../helpers/git.js';

const QUICKSTART = join(PACKAGE_ROOT, 'examples', 'quickstart');

const temps: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of temps) cleanup();
});

/** A copy of the quickstart fleet (manifests only) in a temporary directory. */
function quickstartCopy(): string {
  const { dir, cleanup } = tempDir('cm-constitution-');
  temps.push(cleanup);
  for (const entry of ['fleet.yaml', 'constitution.yaml', 'products', 'policy-tests']) {
    cpSync(join(QUICKSTART, entry), join(dir, entry), { recursive: true });
  }
  return dir;
}

/**
 * Runs `codemonkeys <args>` in process with only this command registered (commands.ts registers
 * the rest), the global options as program.ts declares them.
 */
async function run(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    ({
      write(chunk: string | Uint8Array): boolean {
        append(String(chunk));
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const io = {
    stdout: sink((text) => {
      stdout += text;
    }),
    stderr: sink((text) => {
      stderr += text;
    }),
    cwd: PACKAGE_ROOT,
    env: {},
    clock: testClock(),
  };
  const program = new Command('codemonkeys')
    .option('--fleet <path|git-url>')
    .addOption(new Option('--log-level <level>').default('warn'))
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();
  const context = createContext(program, io);
  constitutionCommand.register(program, context);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { exitCode: context.exitCode, stdout, stderr };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { exitCode: error.exitCode === 0 ? 0 : 2, stdout, stderr };
  }
}

describe('codemonkeys constitution test', () => {
  it('passes on the quickstart: a PASS line per case and the summary, exit 0', async () => {
    const result = await run(['--fleet', QUICKSTART, 'constitution', 'test']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      'PASS quickstart-rules/a critical prod deploy on a saturday is denied, whoever approves it',
    );
    expect(result.stdout).toMatch(/^\d+ passed, 0 failed$/m);
  });

  it('prints a failing case with what was expected and what came out, exit 1', async () => {
    const dir = quickstartCopy();
    writeFileSync(
      join(dir, 'policy-tests', 'wrong.yaml'),
      'apiVersion: codemonkeys.dev/v1\nkind: PolicyTest\nmetadata: { name: wrong }\nspec:\n  cases:\n' +
        '    - name: saturday deploys are fine\n      now: 2026-11-28T10:00:00Z\n' +
        '      action: { kind: deploy.apply, product: acme/core-lib, environment: prod }\n' +
        '      expect: { effect: allow, allowed: true }\n',
    );
    const result = await run(['--fleet', dir, 'constitution', 'test']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('FAIL wrong/saturday deploys are fine (policy-tests/wrong.yaml:6)');
    expect(result.stdout).toContain('       effect: expected allow, got deny');
    expect(result.stdout).toContain('       allowed: expected true, got false');
    expect(result.stdout).toContain('       verdict: deny (hard) by no-weekend-prod-deploys; allowed: false');
    expect(result.stdout).toMatch(/^\d+ passed, 1 failed$/m);
  });

  it('reports a malformed test file located and exits 1', async () => {
    const dir = quickstartCopy();
    writeFileSync(
      join(dir, 'policy-tests', 'bad.yaml'),
      'apiVersion: codemonkeys.dev/v1\nkind: PolicyTest\nmetadata: { name: bad }\nspec: { casez: [] }\n',
    );
    const result = await run(['--fleet', dir, 'constitution', 'test']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /^policy-tests\/bad\.yaml:4:\d+: error: unknown field 'casez'.*\[unknown-field\]$/m,
    );
    expect(result.stdout).toMatch(/, 2 errors$/m);
  });

  it('exits 0 and says so when the fleet has no policy tests', async () => {
    const dir = quickstartCopy();
    rmSync(join(dir, 'policy-tests'), { recursive: true });
    const result = await run(['--fleet', dir, 'constitution', 'test']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'no policy tests in policy-tests/\n' });
  });

  it('refuses an invalid fleet with its problems, exit 1', async () => {
    const dir = quickstartCopy();
    mkdirSync(join(dir, 'products', 'acme'), { recursive: true });
    writeFileSync(
      join(dir, 'fleet.yaml'),
      'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: x }\nspec: { orgz: [] }\n',
    );
    const result = await run(['--fleet', dir, 'constitution', 'test']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^fleet\.yaml:4:\d+: error: unknown field 'orgz'/m);
    expect(result.stdout).toContain('policy tests need a valid fleet');
  });

  it('prints JSON with every result', async () => {
    const result = await run([
      '--fleet',
      QUICKSTART,
      'constitution',
      'test',
      '--format',
      'json',
      '--run',
      'expired',
    ]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      passed: number;
      failed: number;
      skipped: number;
      results: { id: string }[];
    };
    expect(report).toMatchObject({ ok: true, passed: 1, failed: 0 });
    expect(report.skipped).toBeGreaterThan(10);
    expect(report.results.map(({ id }) => id)).toEqual([
      'quickstart-rules/an expired exception waives nothing',
    ]);
  });

  it('says how many cases --run skipped', async () => {
    const result = await run(['--fleet', QUICKSTART, 'constitution', 'test', '--run', 'saturday']);
    expect(result.stdout).toMatch(/^2 passed, 0 failed, \d+ skipped by --run$/m);
  });

  it('exits 2 on a --run that is not a regular expression', async () => {
    const result = await run(['--fleet', QUICKSTART, 'constitution', 'test', '--run', '(']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--run '\(' is not a regular expression/);
  });

  it.each([['constitution'], ['constitution', 'test']])('%s --help shows an example', async (...args) => {
    const result = await run([...args, '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Examples?:\n\s+\$ codemonkeys constitution test/);
  });
});
