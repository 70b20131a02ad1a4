import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodemonkeysError } from '../../errors.js';
import { readIfExists, replaceFile } from '../files.js';
import { isAlive, type ProcessRef } from '../processes.js';
import { spawnWorker, workerScript } from '../spawn-worker.js';

/**
 * One program an actuator runs for real (`ansible-playbook`, `tofu apply`), handed to a detached
 * worker. Nothing here reaches a shell: `file` is run with `args` as an array.
 */
export interface DetachedCommand {
  file: string;
  args: string[];
  cwd: string;
  /** The program's whole environment (it may hold secrets: it travels in a 0600 file the worker deletes at once). */
  env: Record<string, string>;
  /** Past it, the program's process group gets `stopSignal`, then SIGKILL after `graceMs`. */
  timeoutMs: number;
  /** SIGTERM by default; tofu wants SIGINT, its "stop gracefully and release the state lock". */
  stopSignal?: 'SIGTERM' | 'SIGINT';
  graceMs?: number;
  /** Files and folders (holding secrets) the worker removes as soon as the program has ended. */
  removeAfter?: string[];
  /** The command line as people may see it (secrets already redacted), for errors and the log. */
  display: string[];
}

/** How the program ended; its output is read back from the run's files. */
export interface DetachedOutcome {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  /** Stopped by the worker because it ran past `timeoutMs`. */
  timedOut: boolean;
  /** Set when the program could not be started at all. */
  spawnError: string | null;
  durationMs: number;
  /** The command line as `display` gave it. */
  display: string[];
  /** This process did not start the run: it found it running, or finished, in the folder (a restart). */
  adopted: boolean;
}

/** The files of one run in its folder. */
export function detachedPaths(dir: string) {
  return {
    dir,
    /** The command, with its environment: 0600, deleted by the worker as soon as it has read it. */
    job: join(dir, 'job.json'),
    /** The worker, written by the process that started it: the worker runs nothing until it is there. */
    run: join(dir, 'run.json'),
    stdout: join(dir, 'stdout'),
    stderr: join(dir, 'stderr'),
    /** Written last, once the program has ended and `removeAfter` is gone. */
    outcome: join(dir, 'outcome.json'),
  };
}

/** What run.json holds. */
export interface RunFile {
  worker: ProcessRef;
  display: string[];
}

/** What outcome.json holds. */
export type OutcomeFile = Omit<DetachedOutcome, 'stdout' | 'stderr' | 'display' | 'adopted'>;

/** How often a run's folder is looked at while the program runs. */
const POLL_MS = 50;

/**
 * True when a run was started in the folder (its worker was recorded): a program that may have
 * had effects, whose outcome is to be read from here, never run a second time.
 */
export function detachedRunStarted(dir: string): boolean {
  return existsSync(detachedPaths(dir).run);
}

/**
 * Runs a program at most once per folder, in a worker that outlives this process, and returns how
 * it ended. The first call makes the command (`prepare`: only then are run directories and
 * secret files written), starts the worker and waits. A call that finds a run in the folder (a
 * reconciler restarted after a kill) does not start another: it waits for the running one, or
 * reads how it ended. A run whose worker died before it wrote the outcome (the machine went down,
 * the worker was killed) is `DetachedRunLost`, transient: whether the program took effect is not
 * known, and the next attempt, in a new folder, runs it again.
 */
export async function runDetached(
  dir: string,
  prepare: () => Promise<DetachedCommand>,
): Promise<DetachedOutcome> {
  const paths = detachedPaths(dir);
  let adopted = true;
  let run = await readRunFile(paths.run);
  if (!run) {
    adopted = false;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const command = await prepare();
    await writeJob(paths.job, command);
    const worker = spawnWorker(workerScript('util/detached/worker.js'), dir);
    run = { worker, display: command.display };
    // The worker waits for this file naming it; if this process dies before writing it, the
    // worker gives up without running anything, and the run never started.
    await replaceFile(paths.run, JSON.stringify(run), 0o600);
  }
  const ended = await waitForOutcome(paths, run.worker);
  if (!ended) {
    throw new CodemonkeysError(
      `${run.display.slice(0, 2).join(' ')}: its worker (pid ${run.worker.pid}) is gone and left no outcome, so whether it took effect is not known; it runs again`,
      { reason: 'DetachedRunLost', next: 'transient' },
    );
  }
  return {
    ...ended,
    stdout: (await readIfExists(paths.stdout)) ?? '',
    stderr: (await readIfExists(paths.stderr)) ?? '',
    display: run.display,
    adopted,
  };
}

/**
 * Waits while a run in the folder is alive: for a restarted reconciler, before it looks at a
 * product whose action a worker still carries out. Resolves at once when there is no live run.
 */
export async function waitForDetached(dir: string): Promise<void> {
  const paths = detachedPaths(dir);
  const run = await readRunFile(paths.run);
  if (run) await waitForOutcome(paths, run.worker);
}

/** The outcome, once written; undefined when the worker is gone without writing it. */
async function waitForOutcome(
  paths: ReturnType<typeof detachedPaths>,
  worker: ProcessRef,
): Promise<OutcomeFile | undefined> {
  for (;;) {
    const text = await readIfExists(paths.outcome);
    if (text !== undefined) return JSON.parse(text) as OutcomeFile;
    if (!isAlive(worker)) {
      // It may have written the outcome between the two looks.
      const last = await readIfExists(paths.outcome);
      return last === undefined ? undefined : (JSON.parse(last) as OutcomeFile);
    }
    await sleep(POLL_MS);
  }
}

async function readRunFile(path: string): Promise<RunFile | undefined> {
  const text = await readIfExists(path);
  return text === undefined ? undefined : (JSON.parse(text) as RunFile);
}

/** The job file, readable by its owner only (one left by a process that died before starting its worker is replaced). */
async function writeJob(path: string, command: DetachedCommand): Promise<void> {
  const { display: _display, ...job } = command;
  await rm(path, { force: true });
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(job));
  } finally {
    await handle.close();
  }
}

/** The job as the worker reads it. */
export type DetachedJob = Omit<DetachedCommand, 'display'>;

/** Reads the job file (the worker). */
export async function readJob(path: string): Promise<DetachedJob> {
  return JSON.parse(await readFile(path, 'utf8')) as DetachedJob;
}
