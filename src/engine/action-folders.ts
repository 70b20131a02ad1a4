import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalEntry } from '../store/store.js';
import { detachedRunStarted } from '../util/detached/run.js';

/**
 * Every attempt of an action has a folder, `<stateDir>/actions/<key hash>-<attempt>/`, in which
 * its actuator starts its detached runs (`ansible-playbook`, `tofu apply`: runDetached), each in
 * a subfolder of its own. A reconciler killed mid-action leaves the folder; the next one finds
 * the runs there, waits for them or reads how they ended, and records that (Executor.resume).
 * The folder is removed once the journal holds the action's outcome.
 */
export function actionFolder(
  stateDir: string,
  entry: Pick<JournalEntry, 'idempotencyKey' | 'attempts'>,
): string {
  const key = createHash('sha256').update(entry.idempotencyKey).digest('hex').slice(0, 24);
  return join(stateDir, 'actions', `${key}-${entry.attempts}`);
}

/** True when an actuator started a detached run in the attempt's folder: the action may have taken effect. */
export function runStartedIn(folder: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { withFileTypes: true }).some(
    (each) => each.isDirectory() && detachedRunStarted(join(folder, each.name)),
  );
}

/** Removes an attempt's folder once its outcome is recorded. */
export async function removeActionFolder(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
}

/**
 * Removes the folders of every attempt but `keep` (those left running, to be resumed): what a
 * process killed between recording an outcome and removing the folder, or before its worker
 * started, left behind (run directories with extra vars, a vault password, a plan file).
 */
export function sweepActionFolders(stateDir: string, keep: readonly string[]): void {
  const parent = join(stateDir, 'actions');
  if (!existsSync(parent)) return;
  const kept = new Set(keep);
  for (const name of readdirSync(parent)) {
    const folder = join(parent, name);
    if (!kept.has(folder)) rmSync(folder, { recursive: true, force: true });
  }
}
