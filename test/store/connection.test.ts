import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, writeTransaction } from '../../src/store/connection.js';
import { tempDir } from '../helpers/git.js';

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
});
