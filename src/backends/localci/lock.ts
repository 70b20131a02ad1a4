import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CodemonkeysError } from '../../errors.js';
import { isAlive, type ProcessRef, selfRef } from '../../util/processes.js';

/** How often a waiting process looks at a lock or a slot again. */
const POLL_MS = 25;

/**
 * Creates `path` holding `owner`, atomically: the content is written to a temporary file first
 * and hard-linked into place, which fails if the path exists, so no reader ever sees an empty
 * lock. A lock whose owner has died (pid gone or reused) is broken and taken.
 */
export async function tryLock(path: string, owner: ProcessRef = selfRef()): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.new`;
  await writeFile(temp, JSON.stringify(owner));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await linkIfAbsent(temp, path)) return true;
      if (!(await breakIfStale(path))) return false;
    }
    return false;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Removes a lock if this owner still holds it. */
export async function unlock(path: string, owner: ProcessRef = selfRef()): Promise<void> {
  const holder = await readOwner(path);
  if (holder && holder.pid === owner.pid && holder.token === owner.token) await rm(path, { force: true });
}

/** Runs `work` holding the lock at `path`, waiting up to `timeoutMs` for it. */
export async function withLock<T>(path: string, work: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const owner = selfRef();
  const until = Date.now() + timeoutMs;
  while (!(await tryLock(path, owner))) {
    if (Date.now() > until) {
      throw new CodemonkeysError(`lock ${path} is held by another process`, {
        reason: 'LockBusy',
        next: 'transient',
      });
    }
    await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await unlock(path, owner);
  }
}

/**
 * Takes one of `count` slot files under `dir` (a counting semaphore shared by every worker on
 * the machine that uses the same state directory), polling until one is free. Returns its path,
 * or undefined when `signal` aborts the wait.
 */
export async function acquireSlot(
  dir: string,
  count: number,
  owner: ProcessRef,
  signal?: AbortSignal,
  pollMs = 200,
): Promise<string | undefined> {
  while (!signal?.aborted) {
    for (let index = 0; index < Math.max(1, count); index++) {
      const path = join(dir, `slot-${index}.lock`);
      if (await tryLock(path, owner)) return path;
    }
    await sleep(pollMs);
  }
  return undefined;
}

async function linkIfAbsent(source: string, path: string): Promise<boolean> {
  try {
    await link(source, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readOwner(path: string): Promise<ProcessRef | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ProcessRef;
  } catch {
    return undefined;
  }
}

/**
 * Breaks a lock whose owner is dead. The lock is renamed aside first and checked again, so that
 * of two processes breaking the same stale lock only one succeeds, and a fresh lock taken in
 * between is put back instead of being removed.
 */
async function breakIfStale(path: string): Promise<boolean> {
  const holder = await readOwner(path);
  if (holder === undefined) return true; // vanished between link and read: try again
  if (isAlive(holder)) return false;
  const aside = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return true; // someone else moved it: try again
  }
  const moved = await readOwner(aside);
  if (moved && (moved.pid !== holder.pid || moved.token !== holder.token)) {
    await linkIfAbsent(aside, path).catch(() => false);
  }
  await rm(aside, { force: true });
  return true;
}
