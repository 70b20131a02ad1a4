import { closeSync, existsSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { CodemonkeysError } from '../errors.js';

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens the SQLite file with the settings the store relies on:
 * - WAL: readers (a CLI `status`, `audit`) never block the reconciler's writes, nor it them.
 * - synchronous=FULL: a commit is fsynced before it returns. WAL with NORMAL already survives a
 *   killed process (committed pages sit in the OS cache), but not a power cut, and the journal's
 *   promise — the intent of a publish is on disk before the publish runs — must hold then too.
 *   Commits that can wait for the next fsync ask for it (`writeTransaction`'s `lazy`): a pass of
 *   hundreds of actions fsyncs its intents, not every outcome, decision and condition as well.
 *   Intents themselves are lazy commits made durable by WalSync before their action runs: the
 *   fsync happens off the event loop, one for all the actions that begin meanwhile.
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

export function cacheStatements(db: Database.Database): void {
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

/**
 * Runs `fn` in an IMMEDIATE transaction: the write lock is taken at BEGIN, so a busy database waits
 * for `busy_timeout` instead of failing when a read turns into a write. A `lazy` commit is not
 * fsynced (synchronous=NORMAL for it): it survives a killed process like every commit, and a
 * power cut once the next durable commit is on disk — WAL frames reach the disk in order, and
 * that commit's fsync carries the earlier ones. For what the next durable commit may wait for:
 * an outcome, a decision, an observation, a plan, conditions.
 */
export function writeTransaction<T>(db: Database.Database, fn: () => T, options: { lazy?: boolean } = {}): T {
  if (db.inTransaction) return fn();
  const mode = options.lazy === true ? 'NORMAL' : 'FULL';
  if (SYNC_MODE.get(db) !== mode) {
    db.pragma(`synchronous = ${mode}`);
    SYNC_MODE.set(db, mode);
  }
  return db.transaction(fn).immediate();
}

/** The synchronous mode each connection is in (FULL from openDatabase). */
const SYNC_MODE = new WeakMap<Database.Database, 'FULL' | 'NORMAL'>();

/**
 * Makes the commits so far durable without holding the event loop: an fdatasync of the WAL file
 * (`<db>-wal`) in libuv's thread pool, after commits made with synchronous=NORMAL — what
 * synchronous=FULL would do inside each commit (SQLite syncs the WAL at commit in FULL, at
 * checkpoints only in NORMAL; https://www.sqlite.org/pragma.html#pragma_synchronous), but one
 * fdatasync serves every commit made before it started. Whoever asks while one runs gets the
 * next, which starts when it ends: a sync that began before a commit's frames were written does
 * not carry them. No WAL file (an in-memory or read-only state, or none written yet) has nothing to sync.
 */
export class WalSync {
  readonly #path: string | undefined;
  readonly #sync: (path: string) => Promise<void>;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(walPath: string | undefined, sync: (path: string) => Promise<void> = datasyncFile) {
    this.#path = walPath;
    this.#sync = sync;
  }

  /** Resolves once every commit made before the call is on disk. */
  request(): Promise<void> {
    const path = this.#path;
    if (path === undefined) return Promise.resolve();
    if (this.#running === undefined) return this.#start(path);
    this.#next ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.#start(path);
      });
    return this.#next;
  }

  #start(path: string): Promise<void> {
    const run = this.#sync(path).finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }
}

/**
 * fdatasync(2) of a file (any descriptor of it flushes its data); a missing file has nothing to
 * flush. Opened and closed on the loop (microseconds: no data moves), synced in the thread pool:
 * one trip through the pool instead of three, each of which waits for the loop to come around.
 */
async function datasyncFile(path: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    await datasync(fd);
  } finally {
    closeSync(fd);
  }
}

const datasync = promisify(fdatasync);
