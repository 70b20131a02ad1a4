import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { runCli as runProgram } from '../../src/cli/program.js';
import { clockFrom } from './clock.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `codemonkeys` binary as a user would, in `cwd`, with no TTY. */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const result = await execa('node', [CLI, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...options.env },
    reject: false,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The CLI in this process (no build needed, coverage counted), on a pinned clock: what it wrote
 * to stdout and stderr, and the exit code it set.
 */
export async function runCliHere(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; at: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const code = await runProgram(args, {
    stdout,
    stderr,
    cwd: options.cwd,
    env: options.env ?? process.env,
    clock: clockFrom(options.at),
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
