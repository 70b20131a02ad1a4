import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { CodemonkeysError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { redactor as defaultRedactor, type Redactor } from '../../log/redact.js';
import { isAlive, killGroup, ownsLiveGroup } from '../../util/processes.js';
import { spawnWorker, workerScript } from '../../util/spawn-worker.js';
import type { BuildRecord, BuildRequest, CiBackend } from '../ci.js';
import { ensureMirror, mirrorPath, removeWorktree } from '../git/mirror.js';
import { refuseOptionLike } from '../git/remote.js';
import { readLogFrom } from './build-log.js';
import { writeJob } from './job.js';
import { buildPaths, commitDir, isRunId, newRunId } from './layout.js';
import { withLock } from './lock.js';
import { isFinal, readStored, type StoredBuild, toBuildRecord, writeStored } from './record.js';

/** The most a single `log` call returns. */
const LOG_CHUNK_BYTES = 1024 * 1024;

/** How a LocalCi is set up; only `stateDir` is required. */
export interface LocalCiOptions {
  /** Where builds, mirrors and the slot semaphore live (the fleet's `.codemonkeys/` folder, or below it). */
  stateDir: string;
  logger?: Logger;
  /** Builds running at once on this machine (for every LocalCi sharing the state directory). */
  maxConcurrent?: number;
  /** Where bare mirrors of product repositories are kept; default `<stateDir>/mirrors`. */
  mirrorDir?: string;
  /**
   * Names of environment variables whose values are secrets, besides those the redactor already
   * knows (every value the secret resolver registered, and secret-like names such as `*_TOKEN`).
   */
  secretEnv?: string[];
  /** The redactor that knows the resolved secrets; default the process-wide one. */
  redactor?: Redactor;
}

/**
 * The embedded CI backend: runs a product's build steps on this machine in a clean worktree
 * of the commit, in a detached worker process that survives the reconciler. Every build is a
 * directory `builds/<org>/<name>/<commit>/<runId>/` with an atomically replaced `record.json`
 * and a `log.txt`; everything this class knows it reads back from there on every call.
 */
export class LocalCi implements CiBackend {
  readonly name = 'local' as const;
  readonly #stateDir: string;
  readonly #mirrorDir: string;
  readonly #maxConcurrent: number;
  readonly #secretEnv: ReadonlySet<string>;
  readonly #redactor: Redactor;
  readonly #logger: Logger | undefined;

  constructor(options: LocalCiOptions) {
    this.#stateDir = resolve(options.stateDir);
    this.#mirrorDir = resolve(options.mirrorDir ?? join(this.#stateDir, 'mirrors'));
    this.#maxConcurrent = options.maxConcurrent ?? Math.max(2, Math.floor(availableParallelism() / 2));
    if (!Number.isInteger(this.#maxConcurrent) || this.#maxConcurrent < 1) {
      throw new CodemonkeysError(`maxConcurrent must be a positive integer, got ${options.maxConcurrent}`, {
        reason: 'Usage',
      });
    }
    this.#secretEnv = new Set(options.secretEnv ?? []);
    this.#redactor = options.redactor ?? defaultRedactor;
    this.#logger = options.logger;
  }

  /** The newest build of the commit; a build whose worker died unfinished is recorded as aborted first. */
  async observe(product: string, commit: string): Promise<BuildRecord | undefined> {
    const dir = commitDir(this.#stateDir, product, commit);
    const newest = await newestBuild(dir);
    if (!newest) return undefined;
    if (isFinal(newest.state) || isAlive(newest.worker)) return toBuildRecord(newest);
    const repaired = await withLock(join(dir, '.lock'), () => this.#repairNewest(dir));
    return repaired && toBuildRecord(repaired);
  }

  /** Records the build as queued and starts its worker; a live queued or running build of the commit is returned instead. */
  async trigger(request: BuildRequest): Promise<BuildRecord> {
    validateRequest(request);
    const dir = commitDir(this.#stateDir, request.product, request.commit);
    await mkdir(dir, { recursive: true });
    return withLock(join(dir, '.lock'), async () => {
      await sweepRuns(dir);
      const current = await this.#repairNewest(dir);
      if (current && !isFinal(current.state)) return toBuildRecord(current);
      return toBuildRecord(await this.#start(dir, request));
    });
  }

  /** Reads the log from a byte offset (at most 1 MiB at a time); `more` while the build runs or text remains. */
  async log(record: BuildRecord, offset = 0): Promise<{ text: string; nextOffset: number; more: boolean }> {
    const path = resolve(record.logRef);
    if (!path.startsWith(join(this.#stateDir, 'builds') + sep) || basename(path) !== 'log.txt') {
      throw new CodemonkeysError(
        `build ${record.buildId} of ${record.product} is not a local build of this runner`,
        {
          reason: 'ForeignBuild',
        },
      );
    }
    // The record first: once it is final, every line of the log has been written.
    const stored = await readStored(join(dirname(path), 'record.json'));
    const running = stored !== undefined && !isFinal(stored.state) && isAlive(stored.worker);
    const chunk = await readLogFrom(path, offset, LOG_CHUNK_BYTES);
    return { text: chunk.text, nextOffset: chunk.nextOffset, more: running || chunk.nextOffset < chunk.size };
  }

  async #start(dir: string, request: BuildRequest): Promise<StoredBuild> {
    // The commit is fetched here, where the repository's credential is known (credentials.ts);
    // the worker then finds it in the mirror and never talks to the repository itself.
    await ensureMirror(request.repoUrl, this.#mirrorDir, request.commit);
    const runId = newRunId();
    const paths = buildPaths(join(dir, runId));
    await mkdir(paths.dir);
    const slotsDir = join(this.#stateDir, 'slots');
    const secrets = this.#secretsOf(request.env);
    await writeJob(paths.job, {
      request,
      secrets,
      mirrorDir: this.#mirrorDir,
      slotsDir,
      maxConcurrent: this.#maxConcurrent,
    });
    await writeFile(paths.log, '');
    let worker: StoredBuild['worker'];
    try {
      worker = spawnWorker(workerScript('backends/localci/worker.js'), paths.dir);
    } catch (error) {
      await rm(paths.dir, { recursive: true, force: true });
      throw error;
    }
    const now = new Date().toISOString();
    const stored: StoredBuild = {
      product: request.product,
      commit: request.commit,
      state: 'queued',
      buildId: runId,
      startedAt: now,
      logRef: paths.log,
      branch: request.branch,
      repo: this.#redactor.redactText(request.repoUrl),
      mirror: mirrorPath(request.repoUrl, this.#mirrorDir),
      queuedAt: now,
      stepCount: request.steps.length,
      worker,
    };
    if (request.spec) stored.spec = request.spec;
    // The worker waits for this record naming it; if we die before writing it, the worker gives up.
    await writeStored(paths.record, stored);
    this.#logger?.info(
      { product: request.product, commit: request.commit, buildId: runId },
      'local build queued',
    );
    return stored;
  }

  /** Values of the request's environment that must never reach the log. */
  #secretsOf(env: Record<string, string>): string[] {
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(env)) {
      const redacted = this.#redactor.redactValue({ [name]: value })[name];
      if (this.#secretEnv.has(name) || redacted !== value) secrets.push(value);
    }
    return secrets;
  }

  /** The newest build, after recording it aborted if its worker died before finishing it (lock held). */
  async #repairNewest(dir: string): Promise<StoredBuild | undefined> {
    const stored = await newestBuild(dir);
    if (!stored || isFinal(stored.state) || isAlive(stored.worker)) return stored;
    const paths = buildPaths(dirname(stored.logRef));
    if (stored.step && ownsLiveGroup(stored.step)) await killGroup(stored.step.pid);
    await rm(paths.job, { force: true });
    await removeWorktree(stored.mirror, paths.work).catch(() => undefined);
    await appendFile(paths.log, `\n==> build aborted: its worker (pid ${stored.worker.pid}) is gone\n`);
    const finished = new Date();
    const { step: _step, ...rest } = stored;
    const aborted: StoredBuild = {
      ...rest,
      state: 'aborted',
      finishedAt: finished.toISOString(),
      durationMs: Math.max(0, finished.getTime() - Date.parse(stored.startedAt)),
    };
    await writeStored(paths.record, aborted);
    this.#logger?.warn(
      { product: stored.product, commit: stored.commit, buildId: stored.buildId },
      'local build aborted: its worker is gone',
    );
    return aborted;
  }
}

/** The newest recorded run of a commit (run directories without a record were never started). */
async function newestBuild(dir: string): Promise<StoredBuild | undefined> {
  const runs = await listRuns(dir);
  for (const runId of runs.reverse()) {
    const stored = await readStored(buildPaths(join(dir, runId)).record);
    if (stored) return stored;
  }
  return undefined;
}

async function listRuns(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isRunId).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Clears what crashes left behind in a commit's folder (lock held): runs without a record (the
 * reconciler died before recording them, maybe leaving a job file with secrets) and worktrees of
 * finished runs (the worker died while removing them).
 */
async function sweepRuns(dir: string): Promise<void> {
  for (const runId of await listRuns(dir)) {
    const paths = buildPaths(join(dir, runId));
    const stored = await readStored(paths.record);
    if (!stored) await rm(paths.dir, { recursive: true, force: true });
    else if (isFinal(stored.state) && existsSync(paths.work)) {
      await removeWorktree(stored.mirror, paths.work).catch(() => undefined);
    }
  }
}

function validateRequest(request: BuildRequest): void {
  refuseOptionLike('repository URL', request.repoUrl);
  const problems: string[] = [];
  if (!Array.isArray(request.steps) || request.steps.some((step) => typeof step !== 'string')) {
    problems.push('steps must be a list of strings');
  }
  if (!Number.isFinite(request.timeoutMs) || request.timeoutMs <= 0) {
    problems.push(`timeoutMs must be a positive number, got ${request.timeoutMs}`);
  }
  if (request.spec !== undefined && !/^[0-9a-f]{12}$/.test(String(request.spec?.hash))) {
    problems.push('spec.hash must be 12 hex digits (hashBuildSpec)');
  }
  for (const artifact of request.artifacts ?? []) {
    const parts = artifact.split('/');
    if (artifact.startsWith('/') || parts.some((part) => part === '' || part === '.' || part === '..')) {
      problems.push(`artifact '${artifact}' must be a path inside the repository`);
    }
  }
  if (problems.length > 0) {
    throw new CodemonkeysError(`build request for ${request.product}: ${problems.join('; ')}`, {
      reason: 'InvalidBuildRequest',
    });
  }
}
