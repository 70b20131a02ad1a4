import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CodemonkeysError } from '../errors.js';
import type { Lease, SqliteStore } from '../store/sqlite.js';
import type { JournalEntry } from '../store/store.js';
import { processRuns } from '../util/processes.js';
import { actionFolder, runStartedIn, sweepActionFolders } from './action-folders.js';
import type { Runtime } from './runtime.js';

/** How long a lease lasts without renewal; a run renews it every quarter of this, and the executor while actions run. */
export const LEASE_TTL_MS = 120_000;

/**
 * The reconciler lease as the executor sees it: kept alive while actions run, checked before
 * each action starts, so that no action starts (or outlives the lease) once another reconciler
 * may have taken over the fleet.
 */
export interface ActionLease {
  /** How often to renew while actions run. */
  readonly renewEveryMs: number;
  /** Extends this process's lease to `now` + LEASE_TTL_MS; false when it no longer holds it. */
  renew(now: Date): boolean;
  /**
   * Undefined while this process holds the lease, unexpired at `now`; else why not, in words fit
   * for the detail of an action that was not started.
   */
  lost(now: Date): string | undefined;
}

/** The lease `runId` took (takeLease), for the executor of a pass that writes; times come from its clock. */
export function actionLease(store: Pick<SqliteStore, 'lease' | 'renewLease'>, runId: string): ActionLease {
  return {
    // A quarter of the TTL: three renewals in a row can fail (a busy file) before it runs out.
    renewEveryMs: LEASE_TTL_MS / 4,
    renew: (now) => store.renewLease(runId, LEASE_TTL_MS, now),
    lost: (now) => leaseLoss(store.lease(), runId, now),
  };
}

function leaseLoss(lease: Lease | undefined, runId: string, now: Date): string | undefined {
  if (!lease) return 'the reconciler lease was lost: it was released';
  if (lease.owner !== runId) return `the reconciler lease was lost to ${lease.owner}`;
  if (Date.parse(lease.expiresAt) <= now.getTime())
    return `the reconciler lease expired at ${lease.expiresAt}`;
  return undefined;
}

/**
 * One reconciler per state file. Intents left by an earlier run are from a process that died
 * mid-action. Those whose actuator had started a detached run (a playbook, a tofu apply that
 * outlives the process) are returned, to be resumed: their effect may have happened or be under
 * way, so they are waited for and recorded as they really ended, never started again. The others
 * had not begun to act: they are marked abandoned, so that the journal lets the next pass plan,
 * gate and run them again. Folders of attempts that are neither are removed.
 */
export function takeLease(runtime: Runtime, runId: string, now: Date): JournalEntry[] {
  const store = runtime.store;
  if (!store.acquireLease(runId, LEASE_TTL_MS, now)) {
    // A holder on this machine whose process is gone (killed mid-run) does not get to keep the fleet waiting.
    const holder = store.lease()?.owner;
    if (!holder || !isDeadLocalHolder(holder)) throw leaseHeld(runtime);
    runtime.logger.warn({ holder }, 'taking over the lease of a reconciler that died');
    store.releaseLease(holder);
    if (!store.acquireLease(runId, LEASE_TTL_MS, now)) throw leaseHeld(runtime);
  }
  const leftRunning: JournalEntry[] = [];
  for (const entry of store.journal({})) {
    if (entry.state !== 'intent' || entry.runId === runId) continue;
    if (entry.action !== null && runStartedIn(actionFolder(runtime.stateDir, entry))) leftRunning.push(entry);
    else store.markAbandoned(entry.idempotencyKey, now);
  }
  sweepActionFolders(
    runtime.stateDir,
    leftRunning.map((entry) => actionFolder(runtime.stateDir, entry)),
  );
  if (leftRunning.length > 0)
    runtime.logger.info(
      { actions: leftRunning.map((entry) => entry.actionId) },
      'actions left running by a reconciler that died are resumed',
    );
  return leftRunning;
}

/** Lease owners are `host:pid:uuid`; true when that host is this one and that process is gone. */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

function isDeadLocalHolder(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  return !processRuns(Number(pid));
}

export function renewLease(runtime: Runtime, runId: string, now: Date): void {
  if (!runtime.store.renewLease(runId, LEASE_TTL_MS, now)) throw leaseHeld(runtime);
}

function leaseHeld(runtime: Runtime): CodemonkeysError {
  const lease = runtime.store.lease();
  return new CodemonkeysError(
    `another reconciler (${lease?.owner ?? 'unknown'}) is working on this fleet until ${lease?.expiresAt ?? 'its lease expires'}`,
    { reason: 'LeaseHeld', next: 'waiting', retryAfterMs: LEASE_TTL_MS },
  );
}
