/**
 * Entry point of a detached action worker: `node worker.js <runDir>` (see run.ts). It outlives
 * the reconciler that started it: it runs one program, writes its output to files and, once the
 * program has ended, `outcome.json`, which is how the reconciler (or the next one) learns of it.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIfExists, replaceFile } from '../files.js';
import { KILL_GRACE_MS, killGroup } from '../processes.js';
import { type DetachedJob, detachedPaths, type OutcomeFile, type RunFile, readJob } from './run.js';

/** How long the worker waits for its starter to record it; after that the starter is presumed dead. */
const RUN_FILE_WAIT_MS = 10_000;

const dir = process.argv[2];
if (dir === undefined) process.exit(2);
const paths = detachedPaths(dir);

try {
  await work();
  process.exit(0);
} catch (error) {
  // No outcome: the reconciler sees this worker gone and reports the run lost.
  appendFileSync(paths.stderr, `\n==> worker failed: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
}

async function work(): Promise<void> {
  let job: DetachedJob;
  try {
    job = await readJob(paths.job);
  } finally {
    // Secret values stay on disk as briefly as possible.
    await rm(paths.job, { force: true });
  }
  if (!(await recorded())) return; // the starter died before recording this run: it never started
  const outcome = await runProgram(job);
  for (const path of job.removeAfter ?? []) await rm(path, { recursive: true, force: true });
  await replaceFile(paths.outcome, `${JSON.stringify(outcome)}\n`, 0o600);
}

/** Waits until run.json names this process. */
async function recorded(): Promise<boolean> {
  const until = performance.now() + RUN_FILE_WAIT_MS;
  while (performance.now() < until) {
    const text = await readIfExists(paths.run).catch(() => undefined);
    if (text !== undefined && (JSON.parse(text) as RunFile).worker.pid === process.pid) return true;
    await sleep(20);
  }
  return false;
}

/** Runs the program as the leader of its own process group, its output into the run's files. */
async function runProgram(job: DetachedJob): Promise<OutcomeFile> {
  const started = performance.now();
  const stdout = openSync(paths.stdout, 'w', 0o600);
  const stderr = openSync(paths.stderr, 'w', 0o600);
  let stopping: Promise<void> = Promise.resolve();
  const ended = new Promise<OutcomeFile>((resolve) => {
    let timedOut = false;
    const child = spawn(job.file, job.args, {
      cwd: job.cwd,
      env: job.env,
      detached: true,
      stdio: ['ignore', stdout, stderr],
    });
    const stop = (signal: NodeJS.Signals) => {
      if (child.pid !== undefined) stopping = killGroup(child.pid, job.graceMs ?? KILL_GRACE_MS, signal);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop(job.stopSignal ?? 'SIGTERM');
    }, job.timeoutMs);
    // Stopped itself (a shutdown of the machine): the program is stopped too, and says so.
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => stop(signal));
    const end = (outcome: Omit<OutcomeFile, 'durationMs' | 'timedOut'>) => {
      clearTimeout(timer);
      resolve({ ...outcome, timedOut, durationMs: Math.round(performance.now() - started) });
    };
    child.once('error', (error) =>
      end({ exitCode: null, signal: null, spawnError: `${job.file} could not be started: ${error.message}` }),
    );
    child.once('exit', (code, signal) => end({ exitCode: code, signal, spawnError: null }));
  });
  // A stopped program's group is gone (or killed) before its outcome is written.
  return ended.then(async (outcome) => {
    await stopping;
    return outcome;
  });
}
