import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { execa } from 'execa';
import { killGroup, type ProcessRef, startToken } from '../../util/processes.js';

/** Where and how a step runs, and where its output goes. */
export interface StepOptions {
  /** The worktree. */
  cwd: string;
  /** The step's whole environment (nothing is inherited). */
  env: Record<string, string>;
  /** Epoch milliseconds at which the build's time is up. */
  deadline: number;
  /** Aborts the step (the worker was asked to stop). */
  signal: AbortSignal;
  /** Receives stdout and stderr, interleaved as they arrive. */
  write(text: string): void;
  /** Called once the step's process exists, before it can have finished. */
  started(leader: ProcessRef): Promise<void>;
}

/** How one step ended. */
export interface StepOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** Why bash could not be started at all. */
  spawnError: string | null;
}

/**
 * Runs one build step with `bash -c` — the only shell in the program, running a command the
 * product's owner wrote. The step leads its own process group, so that at the deadline, on
 * abort, and when it exits leaving background processes behind, the whole group is ended.
 */
export async function runStep(command: string, options: StepOptions): Promise<StepOutcome> {
  const child = execa('bash', ['-c', command], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    buffer: false,
    detached: true,
    reject: false,
  });
  const pid = child.pid;
  if (pid === undefined) {
    const result = await child;
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      aborted: false,
      spawnError: result.shortMessage ?? 'spawn failed',
    };
  }
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const decoder = new StringDecoder('utf8');
  child.all?.on('data', (chunk: Buffer | string) => {
    options.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  });
  await options.started({ pid, token: startToken(pid) });

  let timedOut = false;
  let aborted = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      void killGroup(pid);
    },
    Math.max(0, options.deadline - Date.now()),
  );
  const onAbort = (): void => {
    aborted = true;
    void killGroup(pid);
  };
  if (options.signal.aborted) onAbort();
  options.signal.addEventListener('abort', onAbort);
  const [exitCode, signal] = await exited;
  clearTimeout(timer);
  options.signal.removeEventListener('abort', onAbort);
  // Background processes the step left behind would hold the output pipe open (and outlive the build).
  await killGroup(pid);
  await child;
  const rest = decoder.end();
  if (rest) options.write(rest);
  return { exitCode, signal, timedOut, aborted, spawnError: null };
}
