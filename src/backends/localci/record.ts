import { readIfExists, replaceFile } from '../../util/files.js';
import type { ProcessRef } from '../../util/processes.js';
import type { BuildRecord, BuildState } from '../ci.js';

/** What the local runner stores in `record.json`: the BuildRecord plus what it needs to judge liveness. */
export interface StoredBuild extends BuildRecord {
  /** Branch the commit was the head of when the build was asked for (informational). */
  branch: string;
  /** Repository URL, credentials redacted. */
  repo: string;
  /** The mirror's git directory the worktree belongs to (for cleanup after a crash). */
  mirror: string;
  /** When trigger recorded the build; `startedAt` moves to when it got a slot and began. */
  queuedAt: string;
  stepCount: number;
  /** The detached worker process that runs the build. */
  worker: ProcessRef;
  /** The step running now, leader of its own process group. */
  step?: ProcessRef & { index: number };
}

const FINAL_STATES: ReadonlySet<BuildState> = new Set(['succeeded', 'failed', 'timed-out', 'aborted']);

/** True once nothing will change the build any more. */
export function isFinal(state: BuildState): boolean {
  return FINAL_STATES.has(state);
}

/** The interface's view of a stored build: the internal fields left out. */
export function toBuildRecord(stored: StoredBuild): BuildRecord {
  const record: BuildRecord = {
    product: stored.product,
    commit: stored.commit,
    state: stored.state,
    buildId: stored.buildId,
    startedAt: stored.startedAt,
    logRef: stored.logRef,
  };
  if (stored.finishedAt !== undefined) record.finishedAt = stored.finishedAt;
  if (stored.durationMs !== undefined) record.durationMs = stored.durationMs;
  if (stored.failure !== undefined) record.failure = stored.failure;
  if (stored.artifacts !== undefined) record.artifacts = stored.artifacts;
  // Records written before the runner kept the spec have none: the build facet takes them as current.
  if (stored.spec !== undefined) record.spec = stored.spec;
  return record;
}

/** Reads a record file; undefined when there is none (a build that was never recorded). */
export async function readStored(path: string): Promise<StoredBuild | undefined> {
  const text = await readIfExists(path);
  return text === undefined ? undefined : (JSON.parse(text) as StoredBuild);
}

/** Replaces a record file whole (see replaceFile): a reader never sees half of one. */
export async function writeStored(path: string, stored: StoredBuild): Promise<void> {
  await replaceFile(path, `${JSON.stringify(stored, null, 2)}\n`);
}
