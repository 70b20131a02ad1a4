import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CodemonkeysError } from '../errors.js';
import type { Runtime } from './runtime.js';

/** How long a lease lasts without renewal; every pass renews it. */
export const LEASE_TTL_MS = 120_000;

/**
 * One reconciler per state file. Intents left by an earlier run are from a process that died
 * mid-action: they are marked abandoned so that the journal lets them be retried (actuators are
 * idempotent, and publish-class ones check before acting).
 */
export function takeLease(runtime: Runtime, runId: string, now: Date): void {
  const store = runtime.store;
  if (!store.acquireLease(runId, LEASE_TTL_MS, now)) {
    // A holder on this machine whose process is gone (killed mid-run) does not get to keep the fleet waiting.
    const holder = store.lease()?.owner;
    if (!holder || !isDeadLocalHolder(holder)) throw leaseHeld(runtime);
    runtime.logger.warn({ holder }, 'taking over the lease of a reconciler that died');
    store.releaseLease(holder);
    if (!store.acquireLease(runId, LEASE_TTL_MS, now)) throw leaseHeld(runtime);
  }
  for (const entry of store.journal({})) {
    if (entry.state === 'intent' && entry.runId !== runId) store.markAbandoned(entry.idempotencyKey, now);
  }
}

/** Lease owners are `host:pid:uuid`; true when that host is this one and that process is gone. */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

function isDeadLocalHolder(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
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
