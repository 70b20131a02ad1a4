import { execa } from 'execa';
import { killGroup } from '../../util/processes.js';

/** How ansible-playbook ended; `spawn` never throws for a failed or killed run. */
export interface ProcessOutcome {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  /** Ended by us because it ran past its time limit. */
  timedOut: boolean;
  /** Ended by us because the caller's AbortSignal fired. */
  cancelled: boolean;
  /** Set when the executable could not be started at all. */
  spawnError: string | null;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** A run's JSON (with diffs) can be large; far beyond it, something is wrong. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Runs ansible-playbook as the leader of its own process group, so that a timeout or a
 * cancellation ends the forked workers and the modules they started too, not only the parent.
 */
export async function spawnAnsible(
  executable: string,
  args: string[],
  options: SpawnOptions,
): Promise<ProcessOutcome> {
  const child = execa(executable, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    detached: true,
    reject: false,
    maxBuffer: MAX_OUTPUT_BYTES,
  });
  let stopped: 'timeout' | 'cancel' | undefined;
  const stop = (why: 'timeout' | 'cancel') => {
    if (stopped || child.pid === undefined) return;
    stopped = why;
    void killGroup(child.pid);
  };
  const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = () => stop('cancel');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted between the caller's last check and now: the event has already fired.
  if (options.signal?.aborted) onAbort();
  try {
    const result = await child;
    const exitCode = result.exitCode ?? null;
    const started = child.pid !== undefined;
    return {
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      exitCode,
      signal: result.signal ?? null,
      timedOut: stopped === 'timeout',
      cancelled: stopped === 'cancel',
      spawnError: started ? null : (result.shortMessage ?? `${executable} could not be started`),
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
