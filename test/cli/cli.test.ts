import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli } from '../helpers/cli.js';
import { BASE_FLEET } from '../helpers/fleet-fixtures.js';
import { tempDir } from '../helpers/git.js';

const temps: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of temps) cleanup();
});
function temp(): string {
  const { dir, cleanup } = tempDir('cm-cli-');
  temps.push(cleanup);
  return dir;
}

describe('the codemonkeys binary', () => {
  it.each([...COMMANDS.keys()])('%s --help describes the command with an example', async (name) => {
    const run = await runCli([name, '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`Usage: codemonkeys ${name}`);
    expect(run.stdout).toMatch(/Examples?:\n\s+\$ codemonkeys/);
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const run = await runCli(['--version']);
    expect(run).toMatchObject({ exitCode: 0, stdout: pkg.version });
  });

  it('lists global options in the main help', async () => {
    const run = await runCli(['--help']);
    for (const option of ['--fleet', '--log-level', '--debug', '--version'])
      expect(run.stdout).toContain(option);
  });

  it('exits 2 with a hint on an unknown option', async () => {
    const run = await runCli(['validate', '--no-such-option']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/unknown option '--no-such-option'/);
  });

  it('validate exits 0 on a valid fleet and says so', async () => {
    const run = await runCli(['validate', '--fleet', BASE_FLEET]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^valid.*: 0 errors, 0 warnings in 5 manifests$/m);
  });

  it('validate exits 1 and prints located errors as JSON, files relative to the fleet root', async () => {
    const dir = temp();
    await runCli(['init', dir, '--no-git']);
    const product = join(dir, 'products/my-org/hello.yaml');
    writeFileSync(product, readFileSync(product, 'utf8').replace('timeout: 15m', 'timeout: soon'));
    const run = await runCli(['validate', '--format', 'json'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as {
      valid: boolean;
      errors: Record<string, unknown>[];
      warnings: unknown[];
    };
    expect(report.valid).toBe(false);
    expect(report.warnings).toEqual([]);
    expect(report.errors).toEqual([
      expect.objectContaining({
        file: 'products/my-org/hello.yaml',
        line: 15,
        column: 14,
        pointer: '/spec/build/timeout',
        message: expect.stringMatching(/expected a duration/),
      }),
    ]);
  });

  it('validate shows the offending line under each text error', async () => {
    const dir = temp();
    await runCli(['init', dir, '--no-git']);
    writeFileSync(
      join(dir, 'fleet.yaml'),
      readFileSync(join(dir, 'fleet.yaml'), 'utf8').replace('default: local', 'default: locl'),
    );
    const run = await runCli(['validate', '--fleet', dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      "fleet.yaml:14:14: error: expected one of local, jenkins at /spec/ci/default, found 'locl' (did you mean 'local'?) [not-allowed]",
    );
    expect(run.stdout).toContain('  14 |     default: locl');
  });

  it('init scaffolds a git-initialised fleet repo that validates, with editor schema lines', async () => {
    const dir = join(temp(), 'acme-fleet');
    const init = await runCli(['init', dir, '--org', 'acme', '--product', 'widget']);
    expect(init.exitCode).toBe(0);
    expect(init.stdout).toMatch(/fleet repo ready in .*acme-fleet \(commit [0-9a-f]{12}\)/);
    const validate = await runCli(['validate', '--rev', 'HEAD'], { cwd: dir });
    expect(validate.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'products/acme/widget.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/product\.schema\.json\n/,
    );
    expect(readFileSync(join(dir, 'fleet.yaml'), 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=schemas\/fleet\.schema\.json\n/,
    );
    expect(JSON.parse(readFileSync(join(dir, 'schemas/product.schema.json'), 'utf8'))).toHaveProperty('$id');
  });

  it('init refuses a directory that is not empty and changes nothing', async () => {
    const dir = temp();
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const run = await runCli(['init', dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/is not empty/);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('prints a short error, and the stack only with --debug', async () => {
    const plain = await runCli(['validate', '--fleet', '/nonexistent/fleet']);
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr.trim()).toBe(
      'codemonkeys: fleet repo /nonexistent/fleet is not a directory or a git URL',
    );
    const debug = await runCli(['--debug', 'validate', '--fleet', '/nonexistent/fleet']);
    expect(debug.stderr).toMatch(/FleetSourceError: fleet repo .* is not a directory or a git URL\n\s+at /);
  });

  it('logs JSON lines to stderr at the chosen level, keeping stdout for the output', async () => {
    const run = await runCli(['--log-level', 'debug', 'validate', '--fleet', BASE_FLEET, '--format', 'json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: true });
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'debug', command: 'validate', msg: 'loading fleet' }),
      expect.objectContaining({
        level: 'info',
        command: 'validate',
        msg: 'fleet validated',
        manifests: 5,
        errors: 0,
      }),
    ]);
    expect((await runCli(['validate', '--fleet', BASE_FLEET])).stderr).toBe('');
  });

  it('doctor --format json reports every tool it checks', async () => {
    const run = await runCli(['doctor', '--format', 'json', '--fleet', temp()]);
    const report = JSON.parse(run.stdout) as { tools: { name: string; status: string }[] };
    expect(report.tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['git', 'ansible-playbook', 'tofu', 'chromium', 'mkdocs']),
    );
    expect(report.tools.find((tool) => tool.name === 'git')?.status).toBe('ok');
  });
});
