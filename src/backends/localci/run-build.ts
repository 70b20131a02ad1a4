import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { selfRef } from '../../util/processes.js';
import type { BuildState } from '../ci.js';
import { createWorktree, ensureMirror, removeWorktree } from '../git/mirror.js';
import { GitCommandError } from '../git/remote.js';
import { BuildLog, readTail } from './build-log.js';
import { type Job, takeJob } from './job.js';
import { type BuildPaths, buildPaths } from './layout.js';
import { acquireSlot, unlock } from './lock.js';
import { readStored, type StoredBuild, writeStored } from './record.js';
import { runStep, type StepOutcome } from './run-step.js';

/** How much of the log a failure record carries. */
export const LOG_TAIL_BYTES = 4096;

/** How long the worker waits for trigger to record it; after that trigger is presumed dead. */
const RECORD_WAIT_MS = 10_000;

/** Step index of a failure while preparing the worktree, before any step ran. */
export const CHECKOUT_STEP = -1;

/**
 * The body of the detached worker process: takes the job, waits for a concurrency slot,
 * checks the commit out into a fresh worktree, runs the steps, removes the worktree and
 * writes the final record. Every state change is a whole-file replace of record.json.
 */
export async function runWorker(dir: string): Promise<void> {
  const paths = buildPaths(dir);
  const job = await takeJob(paths.job);
  if (!job) return;
  const me = selfRef();
  const queued = await waitForOwnRecord(paths, me.pid);
  if (!queued) return; // trigger died before recording this build, so it never existed
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => stop.abort());
  const slot = await acquireSlot(job.slotsDir, job.maxConcurrent, me, stop.signal);
  const log = new BuildLog(paths.log, job.secrets);
  if (slot === undefined) {
    log.note('==> build aborted while queued');
    log.close();
    const now = new Date().toISOString();
    await writeStored(paths.record, {
      ...queued,
      state: 'aborted',
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
    });
    return;
  }
  let final: StoredBuild | undefined;
  try {
    final = await runBuild(job, paths, queued, log, stop.signal);
  } finally {
    log.close();
    await removeWorktree(queued.mirror, paths.work).catch(() => undefined);
    // Written after the log is complete and the worktree gone: a finished record means all done.
    if (final) await writeStored(paths.record, final);
    await unlock(slot, me);
  }
}

async function waitForOwnRecord(paths: BuildPaths, pid: number): Promise<StoredBuild | undefined> {
  const until = Date.now() + RECORD_WAIT_MS;
  while (Date.now() < until) {
    const stored = await readStored(paths.record).catch(() => undefined);
    if (stored?.worker.pid === pid) return stored;
    await sleep(20);
  }
  return undefined;
}

async function runBuild(
  job: Job,
  paths: BuildPaths,
  queued: StoredBuild,
  log: BuildLog,
  stop: AbortSignal,
): Promise<StoredBuild> {
  const { request } = job;
  const started = new Date();
  let record: StoredBuild = { ...queued, state: 'running', startedAt: started.toISOString() };
  await writeStored(paths.record, record);
  const deadline = started.getTime() + request.timeoutMs;
  const finish = (state: BuildState, failure?: StoredBuild['failure']): StoredBuild => {
    const finished = new Date();
    log.note(`==> build ${state} after ${finished.getTime() - started.getTime()} ms`);
    log.flush();
    const { step: _step, ...rest } = record;
    record = {
      ...rest,
      state,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
    };
    if (failure) {
      record.failure = {
        ...failure,
        command: log.redact(failure.command),
        logTail: readTail(paths.log, LOG_TAIL_BYTES),
      };
    }
    return record;
  };

  log.note(
    `==> checkout ${request.commit} of ${request.product} (branch ${request.branch}) from ${queued.repo}`,
  );
  try {
    const gitDir = await ensureMirror(request.repoUrl, job.mirrorDir, request.commit);
    await createWorktree(gitDir, request.commit, paths.work);
  } catch (error) {
    log.note(`==> checkout failed: ${(error as Error).message}`);
    const git = error instanceof GitCommandError ? error : undefined;
    if (git?.stderrTail) log.note(git.stderrTail);
    return finish('failed', {
      step: CHECKOUT_STEP,
      command: git ? git.command.join(' ') : 'checkout',
      exitCode: git?.exitCode ?? null,
      signal: git?.signal ?? null,
      logTail: '',
    });
  }
  if (stop.aborted) return finish('aborted');

  const env = stepEnv(request.env);
  for (const [index, command] of request.steps.entries()) {
    const label = `step ${index + 1}/${request.steps.length}`;
    log.note(`==> ${label}: ${command}`);
    if (Date.now() >= deadline) return finish('timed-out', failureOf(index, command, null, null));
    const stepStart = Date.now();
    const outcome = await runStep(command, {
      cwd: paths.work,
      env,
      deadline,
      signal: stop,
      write: (text) => log.write(text),
      started: async (leader) => {
        record = { ...record, step: { ...leader, index } };
        await writeStored(paths.record, record);
      },
    });
    log.note(`<== ${label} ${describe(outcome)} after ${Date.now() - stepStart} ms`);
    if (outcome.aborted) return finish('aborted');
    if (outcome.timedOut)
      return finish('timed-out', failureOf(index, command, outcome.exitCode, outcome.signal));
    if (outcome.exitCode !== 0)
      return finish('failed', failureOf(index, command, outcome.exitCode, outcome.signal));
  }
  const artifacts = request.artifacts ?? [];
  if (artifacts.length === 0) return finish('succeeded');
  const missing = await keepArtifacts(artifacts, paths, log);
  if (missing !== undefined) {
    return finish('failed', failureOf(request.steps.length, `keep the artifact ${missing}`, null, null));
  }
  record.artifacts = paths.artifacts;
  return finish('succeeded');
}

/**
 * Moves each artifact out of the worktree (removed when the build ends) into the build's
 * `artifacts/` folder, at the same path. Returns the first one the steps did not leave, if any:
 * a build that was to leave an artifact and did not has failed, as Jenkins' archiveArtifacts says.
 */
async function keepArtifacts(
  artifacts: readonly string[],
  paths: BuildPaths,
  log: BuildLog,
): Promise<string | undefined> {
  for (const artifact of artifacts) {
    const from = join(paths.work, artifact);
    if (!existsSync(from)) {
      log.note(`==> the artifact ${artifact} is not in the worktree: the build fails`);
      return artifact;
    }
    const to = join(paths.artifacts, artifact);
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    log.note(`==> kept the artifact ${artifact}`);
  }
  return undefined;
}

function failureOf(
  step: number,
  command: string,
  exitCode: number | null,
  signal: string | null,
): StoredBuild['failure'] {
  return { step, command, exitCode, signal, logTail: '' };
}

function describe(outcome: StepOutcome): string {
  if (outcome.spawnError) return `could not start: ${outcome.spawnError}`;
  if (outcome.aborted) return 'aborted';
  if (outcome.timedOut) return 'timed out';
  if (outcome.signal) return `killed by ${outcome.signal}`;
  return `exited with code ${outcome.exitCode}`;
}

/** A minimal environment: the worker's PATH, HOME and LANG, then the product's own variables. */
function stepEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
  };
  if (process.env.HOME) base.HOME = process.env.HOME;
  return { ...base, ...env };
}
