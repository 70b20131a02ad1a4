import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CodemonkeysError } from '../../src/errors.js';
import { LATEST_VERSION, MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite.js';
import { cleanUpStoresAfterEach, reopen, tempStateDir } from './store-fixtures.js';

cleanUpStoresAfterEach();

function rawQuery<T>(path: string, sql: string): T[] {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.prepare<[], T>(sql).all();
  } finally {
    raw.close();
  }
}

describe('migrations', () => {
  it('are numbered 1, 2, 3… without gaps', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(
      Array.from({ length: MIGRATIONS.length }, (_, index) => index + 1),
    );
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it('create the folder and a WAL database at the latest version on first open', () => {
    const path = join(tempStateDir(), 'deep', 'er', 'state.db');
    reopen(path).close();
    expect(existsSync(path)).toBe(true);
    expect(
      rawQuery<{ version: number; name: string }>(path, 'SELECT version, name FROM schema_migrations'),
    ).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    expect(rawQuery<{ journal_mode: string }>(path, 'PRAGMA journal_mode')).toEqual([
      { journal_mode: 'wal' },
    ]);
    const tables = rawQuery<{ name: string }>(
      path,
      "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining([
        'audit',
        'journal',
        'observations',
        'plans',
        'approvals',
        'conditions',
        'decisions',
        'products',
        'lease',
      ]),
    );
  });

  it('do nothing when the database is already current', () => {
    const path = join(tempStateDir(), 'state.db');
    reopen(path).close();
    const before = rawQuery(path, 'SELECT * FROM schema_migrations');
    reopen(path).close();
    expect(rawQuery(path, 'SELECT * FROM schema_migrations')).toEqual(before);
  });

  it('refuse a database written by a newer codemonkeys, naming both versions, and leave it alone', () => {
    const path = join(tempStateDir(), 'state.db');
    reopen(path).close();
    const raw = new Database(path);
    raw
      .prepare(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', '2099-01-01T00:00:00.000Z')",
      )
      .run(LATEST_VERSION + 1);
    raw.close();
    for (const readonly of [false, true]) {
      const open = () => openStore(path, { readonly });
      expect(open).toThrow(CodemonkeysError);
      expect(open).toThrow(expect.objectContaining({ reason: 'StateTooNew', next: 'stalled' }));
      expect(open).toThrow(
        new RegExp(
          `schema version ${LATEST_VERSION + 1}, newer than this codemonkeys knows \\(${LATEST_VERSION}\\)`,
        ),
      );
    }
    expect(rawQuery(path, 'SELECT version FROM schema_migrations')).toHaveLength(LATEST_VERSION + 1);
  });

  it('are not run by a read-only open, which refuses a file that still needs them', () => {
    const path = join(tempStateDir(), 'state.db');
    new Database(path).close();
    expect(() => openStore(path, { readonly: true })).toThrow(
      expect.objectContaining({ reason: 'StateTooOld' }),
    );
    expect(rawQuery(path, "SELECT name FROM sqlite_master WHERE type = 'table'")).toEqual([]);
  });

  it('leave no file behind for a read-only open of a missing state', () => {
    const path = join(tempStateDir(), 'nothing', 'state.db');
    expect(() => openStore(path, { readonly: true })).toThrow(
      expect.objectContaining({ reason: 'StateMissing' }),
    );
    expect(existsSync(join(path, '..'))).toBe(false);
  });

  it('refuse a file that is not a SQLite database, keeping the cause', () => {
    const path = join(tempStateDir(), 'state.db');
    writeFileSync(
      path,
      'this is not a database, it is a text file that is long enough to have a header\n'.repeat(20),
    );
    expect(() => openStore(path)).toThrow(
      expect.objectContaining({ reason: 'StateUnreadable', cause: expect.anything() }),
    );
  });

  it('are not re-applied by a second store opening a file another has open', () => {
    const path = join(tempStateDir(), 'state.db');
    const first = reopen(path);
    const second = reopen(path);
    first.appendAudit({ type: 'note', actor: 'a', data: {} }, new Date());
    second.appendAudit({ type: 'note', actor: 'b', data: {} }, new Date());
    expect(rawQuery(path, 'SELECT version FROM schema_migrations')).toHaveLength(LATEST_VERSION);
    expect(first.verifyAudit()).toEqual({ ok: true, entries: 2 });
  });
});
