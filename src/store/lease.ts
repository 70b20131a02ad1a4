import type Database from 'better-sqlite3';
import { isoTime } from './json.js';

/** Who holds the reconciler lease of a state file, and until when. */
export interface Lease {
  owner: string;
  acquiredAt: string;
  expiresAt: string;
}

/** The one lease a state file has: one reconciler at a time writes through it. */
const LEASE_NAME = 'reconciler';

interface LeaseRow {
  owner: string;
  acquired_at: string;
  expires_at: string;
}

/**
 * Takes the lease when it is free, expired or already `owner`'s. Call inside a write transaction,
 * so that two processes cannot both see it free.
 */
export function takeLease(db: Database.Database, owner: string, ttlMs: number, now: Date): boolean {
  const current = readLease(db);
  const free = !current || current.owner === owner || Date.parse(current.expiresAt) <= now.getTime();
  if (!free) return false;
  const acquiredAt = current?.owner === owner ? current.acquiredAt : isoTime(now);
  db.prepare(
    `INSERT INTO lease (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET
       owner = excluded.owner, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
  ).run(LEASE_NAME, owner, acquiredAt, expiry(now, ttlMs));
  return true;
}

/** Extends `owner`'s lease; false when someone else holds it (or it was released). */
export function extendLease(db: Database.Database, owner: string, ttlMs: number, now: Date): boolean {
  const result = db
    .prepare('UPDATE lease SET expires_at = ? WHERE name = ? AND owner = ?')
    .run(expiry(now, ttlMs), LEASE_NAME, owner);
  return result.changes === 1;
}

/** Gives the lease up if `owner` holds it; false when it did not. */
export function dropLease(db: Database.Database, owner: string): boolean {
  return db.prepare('DELETE FROM lease WHERE name = ? AND owner = ?').run(LEASE_NAME, owner).changes === 1;
}

/** The lease as stored, expired or not. */
export function readLease(db: Database.Database): Lease | undefined {
  const row = db
    .prepare<[string], LeaseRow>('SELECT owner, acquired_at, expires_at FROM lease WHERE name = ?')
    .get(LEASE_NAME);
  return row ? { owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at } : undefined;
}

function expiry(now: Date, ttlMs: number): string {
  return isoTime(new Date(now.getTime() + Math.max(0, ttlMs)));
}
