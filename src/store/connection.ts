import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CodemonkeysError } from '../errors.js';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens the SQLite file with the settings the store relies on:
 * - WAL: readers (a CLI `status`, `audit`) never block the reconciler's writes, nor it them.
 * - synchronous=FULL: each commit is fsynced before it returns. WAL with NORMAL already survives a
 *   killed process (committed pages sit in the OS cache), but not a power cut, and the journal's
 *   promise — the intent of a publish is on disk before the publish runs — must hold then too.
 *   The cost is one fsync per commit; a pass commits tens of rows, its actions take seconds.
 * - busy_timeout: a second process (`approve` while `reconcile` runs) waits for the lock.
 * - foreign_keys=ON, so any later schema step that declares references gets them enforced.
 */
export function openDatabase(path: string, readonly: boolean): Database.Database {
  const memory = path === ':memory:';
  if (readonly && !memory && !existsSync(path)) {
    throw new CodemonkeysError(`no state at ${path}`, { reason: 'StateMissing', next: 'stalled' });
  }
  if (!readonly && !memory) mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!readonly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Reading the schema here turns "not a database" into an error at open, not at first use.
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db?.close();
    throw new CodemonkeysError(`cannot open the state store at ${path}: ${(error as Error).message}`, {
      reason: 'StateUnreadable',
      next: 'stalled',
      cause: error,
    });
  }
}

/** Runs `fn` in an IMMEDIATE transaction: the write lock is taken at BEGIN, so a busy database waits
 * for `busy_timeout` instead of failing when a read turns into a write. */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  if (db.inTransaction) return fn();
  return db.transaction(fn).immediate();
}
