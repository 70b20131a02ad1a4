import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMIT_ID } from '../git/mirror.js';
import { buildPaths, isRunId } from './layout.js';
import { withLock } from './lock.js';
import { isFinal, readStored, type StoredBuild } from './record.js';

/** What the local runner keeps of each product's builds. */
export interface BuildRetention {
  /** The newest this many commits of each product are kept, whatever their age. */
  keep: number;
  /** Older commits go once their every build finished longer ago than this. */
  maxAgeMs: number;
}

/**
 * Removes the build folders (records, logs) of commits retention no longer keeps, under a local
 * runner's state directory (`<state>/ci`): per product, the newest `keep` commits stay, and of
 * the others those whose builds all ended before `now - maxAge` go. A commit with a build that
 * is queued or running is never touched. How many commit folders were removed.
 */
export async function pruneBuilds(ciDir: string, retention: BuildRetention, now: Date): Promise<number> {
  const before = now.getTime() - retention.maxAgeMs;
  let removed = 0;
  for (const productDir of await subfolders(join(ciDir, 'builds'), 2)) {
    const commits: { dir: string; newest: StoredBuild[] }[] = [];
    for (const commit of await names(productDir)) {
      if (!COMMIT_ID.test(commit)) continue;
      const dir = join(productDir, commit);
      commits.push({ dir, newest: await records(dir) });
    }
    // Newest first, by when the commit's newest build was asked for.
    commits.sort((a, b) => latest(b.newest) - latest(a.newest));
    for (const { dir } of commits.slice(retention.keep)) {
      // Under the commit's lock, as trigger takes it: a build asked for meanwhile is seen here.
      const gone = await withLock(join(dir, '.lock'), async () => {
        const ended = (await records(dir)).every(
          (build) => isFinal(build.state) && Date.parse(build.finishedAt ?? build.startedAt) < before,
        );
        if (ended) await rm(dir, { recursive: true, force: true });
        return ended;
      });
      if (gone) removed++;
    }
  }
  return removed;
}

/** The records of every run of a commit. */
async function records(dir: string): Promise<StoredBuild[]> {
  const found: StoredBuild[] = [];
  for (const run of await names(dir)) {
    if (!isRunId(run)) continue;
    const stored = await readStored(buildPaths(join(dir, run)).record).catch(() => undefined);
    if (stored) found.push(stored);
  }
  return found;
}

function latest(builds: readonly StoredBuild[]): number {
  return Math.max(0, ...builds.map((build) => Date.parse(build.queuedAt ?? build.startedAt) || 0));
}

/** The folders `depth` levels below `dir` (builds/<org>/<name>). */
async function subfolders(dir: string, depth: number): Promise<string[]> {
  if (depth === 0) return [dir];
  const found: string[] = [];
  for (const name of await names(dir)) found.push(...(await subfolders(join(dir, name), depth - 1)));
  return found;
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((each) => each.isDirectory())
      .map((each) => each.name);
  } catch {
    return [];
  }
}
