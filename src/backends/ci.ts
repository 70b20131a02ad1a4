import { createHash } from 'node:crypto';
import { canonicalJson } from '../actions/canonical.js';
import type { CiBackendName, Product, SecretRef } from '../fleet/model.js';
import { parseDuration } from '../util/duration.js';

/**
 * A CI backend runs a product's build for one commit and tells what became of it. The local
 * runner is the embedded default; Jenkins implements the same interface.
 */

/** What a build needs: no secret values, only references resolved by the backend. */
export interface BuildRequest {
  /** Product id, `org/name`. */
  product: string;
  /** Repository URL or absolute path (already resolved against the fleet root). */
  repoUrl: string;
  branch: string;
  /** Full commit id to build. */
  commit: string;
  /** Shell commands written by the product's owner, run in order with `bash -c` in a clean worktree. */
  steps: string[];
  /** Whole-build limit in milliseconds. */
  timeoutMs: number;
  /** Environment of the steps (values already resolved; the backend never logs them). */
  env: Record<string, string>;
  /**
   * Paths in the worktree (files or folders) the build leaves for later steps (a release's
   * distributions, an OCI image): kept with a build that succeeded; one that is missing fails it.
   */
  artifacts?: string[];
  /**
   * Hashes of the build spec the steps, env and timeout come from (hashBuildSpec), recorded with
   * the build so that a later look can tell which spec it was made with.
   */
  spec?: BuildSpecHash;
  /**
   * The caller looked moments ago and saw no queued or running build of this commit (the pass
   * that planned the trigger): the backend may skip looking again before it starts one.
   */
  seenIdle?: boolean;
}

export type BuildState = 'queued' | 'running' | 'succeeded' | 'failed' | 'timed-out' | 'aborted';

/** What a backend knows about the build of one commit. */
export interface BuildRecord {
  product: string;
  commit: string;
  state: BuildState;
  /** Backend's own id (local: a run id; Jenkins: job name and build number). */
  buildId: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  /** For a failure: index and command of the failing step, its exit code, the tail of the log. */
  failure?: {
    step: number;
    command: string;
    exitCode: number | null;
    signal: string | null;
    logTail: string;
  };
  /** Where the full log can be read (a file path, or a URL). */
  logRef: string;
  /** A succeeded build that kept artifacts: the folder holding them, at their paths in the worktree. */
  artifacts?: string;
  /**
   * The build spec it was made with, as the backend recorded it; absent for a build recorded
   * before backends kept it, or started by hand with no spec.
   */
  spec?: BuildSpecHash;
}

/** The limit of a build whose spec sets no `build.timeout`. */
export const DEFAULT_BUILD_TIMEOUT = '30m';

/** The fields of a build spec that change what a build runs. */
export type BuildSpecField = 'steps' | 'env' | 'timeout' | 'ci' | 'artifacts';

/** What a build of a product runs, from its spec: secret env entries are references, never values. */
export interface BuildSpec {
  steps: readonly string[];
  env: Readonly<Record<string, string | SecretRef>>;
  timeoutMs: number;
  ci: CiBackendName;
  /** `build.artifacts`: what a build keeps (empty when it keeps nothing). */
  artifacts: readonly string[];
}

/**
 * Which build spec a build runs, in hashes only: `hash` names the whole (two builds with the same
 * hash ran the same steps, env, timeout and backend), `fields` each part, so that a changed spec
 * can say what changed. A record may lack a field it was not told (never the whole hash).
 */
export interface BuildSpecHash {
  /** 12 hex digits. */
  hash: string;
  /** 8 hex digits per field. */
  fields: Partial<Record<BuildSpecField, string>>;
}

/** The build spec of a product that builds on `ci`: its steps, env and timeout (default 30m). */
export function buildSpecOf(product: Product, ci: CiBackendName): BuildSpec {
  const build = product.manifest.spec.build;
  return {
    steps: build?.steps ?? [],
    env: build?.env ?? {},
    timeoutMs: parseDuration(build?.timeout ?? DEFAULT_BUILD_TIMEOUT),
    ci,
    artifacts: build?.artifacts ?? [],
  };
}

/**
 * Hashes (sha256 of canonical JSON, shortened) of a build spec and of each of its fields. The
 * timeout counts in milliseconds, so `90s` and `1m30s` are the same spec; key order in `env`
 * does not count; a secret reference counts as the reference, so a rotated secret is the same spec.
 */
export function hashBuildSpec(spec: BuildSpec): BuildSpecHash {
  const values = { steps: spec.steps, env: spec.env, timeout: spec.timeoutMs, ci: spec.ci };
  const fields: Partial<Record<BuildSpecField, string>> = {
    steps: sha256(values.steps, 8),
    env: sha256(values.env, 8),
    timeout: sha256(values.timeout, 8),
    ci: sha256(values.ci, 8),
  };
  // Only a spec that keeps artifacts hashes them: every other product's builds stay current.
  if (spec.artifacts.length === 0) return { hash: sha256(values, 12), fields };
  fields.artifacts = sha256(spec.artifacts, 8);
  return { hash: sha256({ ...values, artifacts: spec.artifacts }, 12), fields };
}

function sha256(value: unknown, length: number): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/** Whether a backend's job for a product matches the spec (backends that keep jobs, as Jenkins does). */
export type JobState = 'missing' | 'current' | 'drifted';

/** One look at a product on a backend that keeps jobs: the job's state and the build of a commit. */
export interface JobObservation {
  job: JobState;
  /** The newest build of the commit, as `observe` would find it (none when the job is missing). */
  build: BuildRecord | undefined;
}

export interface CiBackend {
  readonly name: 'local' | 'jenkins';
  /**
   * For backends that keep a job per product, instead of `observe` on every pass: whether the job
   * exists and matches the spec, and the newest build of the commit, in one look (Jenkins: one
   * request while the build is known). Read-only.
   */
  observeJob?(product: Product, commit: string): Promise<JobObservation>;
  /**
   * A hint before a pass calls observeJob for these products, so the backend may read their jobs
   * in fewer requests (Jenkins: a folder at once); `known` is every product that builds on it.
   */
  prepareJobs?(products: readonly Product[], known: readonly Product[]): void;
  /**
   * Creates or updates the product's job to match the spec; `seen` is what the pass observed of
   * it (observeJob), which may spare a look (a job seen missing is created at once).
   */
  configureJob?(product: Product, seen?: JobState): Promise<'created' | 'updated' | 'unchanged'>;
  /** The newest build of this commit, if any; read-only, cheap enough to call every pass. */
  observe(product: string, commit: string): Promise<BuildRecord | undefined>;
  /**
   * Starts a build of the commit and returns once it is recorded as queued or running (not when
   * it finishes). Starting twice for the same product and commit while one is queued or running
   * returns the existing one.
   */
  trigger(request: BuildRequest): Promise<BuildRecord>;
  /** The build's log from a byte offset; `more` is true while the build is still writing it. */
  log(record: BuildRecord, offset?: number): Promise<{ text: string; nextOffset: number; more: boolean }>;
}
