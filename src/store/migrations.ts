import type Database from 'better-sqlite3';
import { CodemonkeysError } from '../errors.js';
import { systemClock } from '../util/clock.js';
import { SCHEMA_V1 } from './schema-v1.js';
import { SCHEMA_V2 } from './schema-v2.js';
import { SCHEMA_V3 } from './schema-v3.js';

/** One numbered step of the schema; applied once, in a transaction, in order. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Every schema step, oldest first. Append only: a released step is never edited, a change is a new
 * step. Versions are 1, 2, 3… without gaps.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', sql: SCHEMA_V1 },
  { version: 2, name: 'tofu-plans', sql: SCHEMA_V2 },
  { version: 3, name: 'journal-action', sql: SCHEMA_V3 },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS.length;

const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
);`;

/** The schema version of an open database: the highest applied migration, 0 for a new file. */
export function schemaVersion(db: Database.Database): number {
  const table = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    )
    .get();
  if (!table) return 0;
  const row = db
    .prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations')
    .get();
  return row?.version ?? 0;
}

/**
 * Brings the database to `LATEST_VERSION`. Each step runs in its own IMMEDIATE transaction and
 * re-reads the version inside it, so two processes opening a new file at once apply each step once.
 * A database written by a newer codemonkeys is refused rather than guessed at.
 */
export function migrate(db: Database.Database, path: string, now: () => Date = systemClock): number {
  const found = schemaVersion(db);
  refuseNewer(found, path);
  if (found === LATEST_VERSION) return found;
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      db.exec(BOOKKEEPING);
      const current = schemaVersion(db);
      refuseNewer(current, path);
      if (current >= migration.version) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now().toISOString(),
      );
    }).immediate();
  }
  return schemaVersion(db);
}

/** For a read-only open: the schema must already be the one this code writes. */
export function requireCurrent(db: Database.Database, path: string): number {
  const version = schemaVersion(db);
  refuseNewer(version, path);
  if (version < LATEST_VERSION) {
    throw new CodemonkeysError(
      `state at ${path} has schema version ${version}, this codemonkeys needs ${LATEST_VERSION}: ` +
        'run a command that writes state (codemonkeys reconcile) to migrate it',
      { reason: 'StateTooOld', next: 'stalled' },
    );
  }
  return version;
}

function refuseNewer(version: number, path: string): void {
  if (version <= LATEST_VERSION) return;
  throw new CodemonkeysError(
    `state at ${path} has schema version ${version}, newer than this codemonkeys knows (${LATEST_VERSION}): ` +
      'upgrade codemonkeys, or point it at another state file',
    { reason: 'StateTooNew', next: 'stalled' },
  );
}
