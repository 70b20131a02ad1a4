import { execa } from 'execa';
import { BASE_ENV_NAMES, pickEnv } from '../../util/env.js';
import { parseUiStream, streamDiagnostics, type TofuUiMessage, validateDiagnostics } from './diagnostics.js';
import type { TofuRunResult } from './errors.js';

/** What goes into a tofu run's environment. */
export interface TofuEnvInput {
  base: NodeJS.ProcessEnv;
  /** The CLI configuration codemonkeys wrote. */
  cliConfig: string;
  /** Non-secret variables for the module's providers (`AWS_REGION`…). */
  extra?: Record<string, string>;
  /** Secret environment (cloud credentials); registered with the redactor by the caller. */
  secretEnv?: Record<string, string>;
  /** Secret module variables, as `TF_VAR_<name>`: never on the command line, where `ps` would show them. */
  secretVars?: Record<string, string>;
}

/**
 * The whole environment of a tofu run (nothing else is inherited). `TF_IN_AUTOMATION` shortens
 * tofu's output for a program reading it, `TF_INPUT=0` makes a missing value an error rather than
 * a prompt nobody answers. (https://opentofu.org/docs/cli/config/environment-variables/)
 */
export function tofuEnv(input: TofuEnvInput): Record<string, string> {
  // Of the reconciler's environment, only what a tofu run and its providers may need passes.
  const env = pickEnv(input.base, BASE_ENV_NAMES);
  Object.assign(env, input.extra ?? {}, input.secretEnv ?? {});
  for (const [name, value] of Object.entries(input.secretVars ?? {})) env[`TF_VAR_${name}`] = value;
  env.TF_IN_AUTOMATION = '1';
  env.TF_INPUT = '0';
  env.CHECKPOINT_DISABLE = '1';
  env.TF_CLI_CONFIG_FILE = input.cliConfig;
  return env;
}

/** How a run's stdout is read for diagnostics: a `-json` UI stream, `validate -json`'s document, or neither. */
export type TofuOutput = 'stream' | 'validate' | 'plain';

/** A run's result with the UI messages of a `-json` stream. */
export interface TofuRun extends TofuRunResult {
  messages: TofuUiMessage[];
}

/** The largest output read from tofu: `show -json` of a large plan is large. */
const MAX_OUTPUT_BYTES = 1024 * 1024 * 1024;

/** How long tofu gets after SIGINT to stop cleanly (release the state lock) before it is killed. */
export const INTERRUPT_GRACE_MS = 30_000;

/**
 * Runs tofu with an argument array, never a shell; never throws for a failed run. On timeout tofu
 * gets SIGINT first, its own "stop gracefully" signal, so that it releases the state lock.
 */
export async function runTofu(
  tofu: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number; output: TofuOutput },
): Promise<TofuRun> {
  const result = await execa(tofu, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: options.timeoutMs,
    killSignal: 'SIGINT',
    forceKillAfterDelay: INTERRUPT_GRACE_MS,
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  const stderr = String(result.stderr ?? '');
  return tofuRunOf(
    args,
    {
      stdout: String(result.stdout ?? ''),
      stderr:
        result.failed && result.exitCode === undefined ? `${stderr}\n${result.shortMessage ?? ''}` : stderr,
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut: Boolean(result.timedOut),
    },
    options.output,
  );
}

/** How a tofu process ended, however it was run (here, or by a detached worker). */
export interface TofuProcessEnd {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

/** A run's result read from how its process ended: the UI messages and diagnostics of its output. */
export function tofuRunOf(args: string[], end: TofuProcessEnd, output: TofuOutput): TofuRun {
  const messages = output === 'stream' ? parseUiStream(end.stdout) : [];
  const diagnostics =
    output === 'stream'
      ? streamDiagnostics(messages)
      : output === 'validate'
        ? (validateDiagnostics(end.stdout)?.diagnostics ?? [])
        : [];
  return { args, ...end, diagnostics, messages };
}
