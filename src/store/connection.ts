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
    cacheStatements(db);
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

/**
 * Makes `db.prepare` hand back the statement it compiled before for the same SQL: the journal
 * and the audit log run the same few statements for every action, and compiling one costs more
 * than running it. A statement still being iterated is not shared (a fresh one is compiled); the
 * first 256 texts are kept (a query whose placeholders vary in number has a text per count). No
 * caller changes a statement's mode (`pluck`, `raw`, `expand`), which would leak to the next.
 */
const STATEMENT_CACHE_SIZE = 256;

function cacheStatements(db: Database.Database): void {
  const compile = db.prepare.bind(db);
  const statements = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    const known = statements.get(sql);
    if (known && !known.busy) return known;
    const statement = compile(sql);
    if (!known && statements.size < STATEMENT_CACHE_SIZE) statements.set(sql, statement);
    return statement;
  }) as Database.Database['prepare'];
}

/** Runs `fn` in an IMMEDIATE transaction: the write lock is taken at BEGIN, so a busy database waits
 * for `busy_timeout` instead of failing when a read turns into a write. */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  if (db.inTransaction) return fn();
  return db.transaction(fn).immediate();
}
