import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, WalSync, writeTransaction } from '../../src/store/connection.js';
import { openStore } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/git.js';
import { action, run } from './store-fixtures.js';

describe('the state connection', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  function open() {
    const { dir, cleanup } = tempDir('cm-connection-');
    const db = openDatabase(join(dir, 'state.db'), false);
    cleanups.push(() => {
      db.close();
      cleanup();
    });
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)');
    return db;
  }

  // PRAGMA synchronous: 1 is NORMAL, 2 is FULL (sqlite.org/pragma.html#pragma_synchronous).
  it('fsyncs a commit unless it is lazy, and is back to fsyncing after a lazy one', () => {
    const db = open();
    const mode = () => db.pragma('synchronous', { simple: true });
    expect(writeTransaction(db, mode)).toBe(2);
    expect(writeTransaction(db, mode, { lazy: true })).toBe(1);
    expect(writeTransaction(db, mode)).toBe(2);
    writeTransaction(db, () => db.prepare('INSERT INTO t VALUES (?, ?)').run('a', '1'), { lazy: true });
    expect(db.prepare('SELECT v FROM t WHERE k = ?').get('a')).toEqual({ v: '1' });
  });

  it('hands back the statement it compiled for the same text, and a fresh one while it is iterated', () => {
    const db = open();
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    expect(db.prepare('INSERT INTO t VALUES (?, ?)')).toBe(insert);
    insert.run('a', '1');
    insert.run('b', '2');
    const select = 'SELECT k FROM t ORDER BY k';
    const seen: string[] = [];
    for (const row of db.prepare(select).iterate() as Iterable<{ k: string }>) {
      seen.push(row.k, ...(db.prepare(select).all() as { k: string }[]).map((inner) => inner.k));
    }
    expect(seen).toEqual(['a', 'a', 'b', 'b', 'a', 'b']);
  });

  it('syncs the WAL once for everyone who asked before a sync started, and again for who asked during it', async () => {
    const synced: string[] = [];
    const ends: (() => void)[] = [];
    const wal = new WalSync('/state/state.db-wal', async (path) => {
      synced.push(path);
      await new Promise<void>((resolve) => ends.push(resolve));
    });
    const first = wal.request();
    const during = [wal.request(), wal.request()];
    expect(synced).toEqual(['/state/state.db-wal']);
    let duringDone = false;
    void Promise.all(during).then(() => {
      duringDone = true;
    });
    ends.shift()?.();
    await first;
    // Those who asked while the first ran are served by a second sync, not the first.
    await new Promise((resolve) => setImmediate(resolve));
    expect(synced).toHaveLength(2);
    expect(duringDone).toBe(false);
    ends.shift()?.();
    await Promise.all(during);
    expect(synced).toHaveLength(2);
    await expect(new WalSync(undefined).request()).resolves.toBeUndefined();
  });

  it('passes a failed sync on to whoever waits for it, and syncs again for the next', async () => {
    let calls = 0;
    const wal = new WalSync('/state/state.db-wal', async () => {
      calls++;
      if (calls === 1) throw new Error('EIO');
    });
    await expect(wal.request()).rejects.toThrow('EIO');
    await expect(wal.request()).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });

  it('fdatasyncs the real WAL file of a store, before and after its first intent', async () => {
    const { dir, cleanup } = tempDir('cm-connection-');
    cleanups.push(cleanup);
    const store = openStore(join(dir, 'state.db'));
    cleanups.unshift(() => store.close());
    await store.whenDurable();
    expect(store.beginAction(action('k1'), run(0)).status).toBe('started');
    await store.whenDurable();
    // A second connection (another process would see the same) reads the intent.
    const other = openStore(join(dir, 'state.db'), { readonly: true });
    expect(other.journal().map((entry) => entry.state)).toEqual(['intent']);
    other.close();
  });
});
