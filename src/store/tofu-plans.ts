import { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { CodemonkeysError } from '../errors.js';
import { openDatabase, writeTransaction } from './connection.js';
import { fromStoredJson, isoTime, toStoredJson } from './json.js';
import { migrate } from './migrations.js';

/** How many bytes of a plan file one row holds: small enough to never need the whole plan in memory. */
export const TOFU_PLAN_CHUNK_BYTES = 1024 * 1024;

/** How many plans of one product are kept; older ones go when a newer one is saved. */
export const TOFU_PLANS_KEPT = 5;

/** A saved OpenTofu plan file, without its bytes. */
export interface TofuPlanRecord {
  /** A random id: two plans of the same changes are still two plan files (tofu stamps them). */
  id: string;
  product: string;
  createdAt: string;
  /** `sha256:<hex>` of the plan file's bytes, checked again when it is written back. */
  digest: string;
  size: number;
  /** A hash of what the plan would change, equal across plans of the same changes against the same world. */
  fingerprint: string;
  /** What the plan would change (counts and resource addresses), redacted JSON. */
  summary: unknown;
}

/** What is saved with a plan file; the bytes come from `file`. */
export interface TofuPlanInput {
  product: string;
  file: string;
  fingerprint: string;
  summary: unknown;
  createdAt: Date;
}

/** Where saved plan files live. The SQLite state store is the one implementation. */
export interface TofuPlanStore {
  /** Copies the plan file into the store and drops the product's plans beyond the newest `TOFU_PLANS_KEPT`. */
  save(input: TofuPlanInput): TofuPlanRecord;
  /** A saved plan by id. */
  get(id: string): TofuPlanRecord | undefined;
  /** The newest saved plan of a product. */
  latest(product: string): TofuPlanRecord | undefined;
  /** Writes a saved plan's bytes to `file`; throws `TofuPlanMissing` or `TofuPlanCorrupt`. */
  restore(id: string, file: string): TofuPlanRecord;
  close(): void;
}

interface PlanRow {
  id: string;
  product: string;
  created_at: string;
  digest: string;
  size: number;
  fingerprint: string;
  summary: string;
}

const SELECT_PLAN = 'SELECT id, product, created_at, digest, size, fingerprint, summary FROM tofu_plans';

/**
 * Stores a plan file chunk by chunk in one transaction, hashing it on the way; the row is written
 * first (the chunks reference it) and completed with the digest and size at the end.
 */
export function insertTofuPlan(db: Database.Database, input: TofuPlanInput): TofuPlanRecord {
  const id = randomUUID();
  return writeTransaction(db, () => {
    db.prepare(
      `INSERT INTO tofu_plans (id, product, created_at, digest, size, fingerprint, summary)
       VALUES (?, ?, ?, '', 0, ?, ?)`,
    ).run(id, input.product, isoTime(input.createdAt), input.fingerprint, toStoredJson(input.summary));
    const { digest, size } = copyFileIntoChunks(db, id, input.file);
    db.prepare('UPDATE tofu_plans SET digest = ?, size = ? WHERE id = ?').run(digest, size, id);
    const record = readTofuPlanRecord(db, id);
    if (!record) throw new Error(`tofu plan ${id} vanished inside its own transaction`);
    return record;
  });
}

function copyFileIntoChunks(
  db: Database.Database,
  id: string,
  file: string,
): { digest: string; size: number } {
  const insert = db.prepare('INSERT INTO tofu_plan_chunks (plan_id, seq, data) VALUES (?, ?, ?)');
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(TOFU_PLAN_CHUNK_BYTES);
  const fd = openSync(file, 'r');
  let size = 0;
  try {
    for (let seq = 0; ; seq += 1) {
      const read = fillBuffer(fd, buffer);
      if (read === 0) break;
      const chunk = buffer.subarray(0, read);
      hash.update(chunk);
      insert.run(id, seq, chunk);
      size += read;
      if (read < buffer.length) break;
    }
  } finally {
    closeSync(fd);
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Reads until the buffer is full or the file ends; readSync may return less than asked. */
function fillBuffer(fd: number, buffer: Buffer): number {
  let filled = 0;
  while (filled < buffer.length) {
    const read = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (read === 0) break;
    filled += read;
  }
  return filled;
}

/** A saved plan's record by id. */
export function readTofuPlanRecord(db: Database.Database, id: string): TofuPlanRecord | undefined {
  const row = db.prepare<[string], PlanRow>(`${SELECT_PLAN} WHERE id = ?`).get(id);
  return row ? toRecord(row) : undefined;
}

/**
 * The newest saved plan of a product: the last one saved (by rowid, which grows with each
 * insert), not the one with the latest `created_at`, since a clock can step back (NTP, a VM
 * restored, another process with another clock) and the newest plan must never look old.
 */
export function latestTofuPlanRecord(db: Database.Database, product: string): TofuPlanRecord | undefined {
  const row = db
    .prepare<[string], PlanRow>(`${SELECT_PLAN} WHERE product = ? ORDER BY rowid DESC LIMIT 1`)
    .get(product);
  return row ? toRecord(row) : undefined;
}

/** Drops all but the last `keep` plans saved of a product (their chunks go with them). */
export function pruneTofuPlans(db: Database.Database, product: string, keep: number): number {
  const result = db
    .prepare(
      `DELETE FROM tofu_plans WHERE product = ? AND id NOT IN (
         SELECT id FROM tofu_plans WHERE product = ? ORDER BY rowid DESC LIMIT ?)`,
    )
    .run(product, product, keep);
  return result.changes;
}

/**
 * Writes a saved plan to `file` one chunk at a time, through a temporary name, and checks the
 * digest before the file takes its name: tofu never sees a truncated or altered plan.
 */
export function writeTofuPlanFile(db: Database.Database, id: string, file: string): TofuPlanRecord {
  const record = readTofuPlanRecord(db, id);
  if (!record) {
    throw new CodemonkeysError(`no saved tofu plan ${id}: it was never saved, or newer plans replaced it`, {
      reason: 'TofuPlanMissing',
      next: 'stalled',
    });
  }
  const partial = `${file}.partial`;
  const hash = createHash('sha256');
  const fd = openSync(partial, 'w', 0o600);
  let size = 0;
  try {
    const chunks = db
      .prepare<[string], { data: Buffer }>('SELECT data FROM tofu_plan_chunks WHERE plan_id = ? ORDER BY seq')
      .iterate(id);
    for (const { data } of chunks) {
      hash.update(data);
      writeSync(fd, data);
      size += data.length;
    }
  } finally {
    closeSync(fd);
  }
  const digest = `sha256:${hash.digest('hex')}`;
  if (digest !== record.digest || size !== record.size) {
    rmSync(partial, { force: true });
    throw new CodemonkeysError(
      `saved tofu plan ${id} of ${record.product} is damaged: ${size} bytes with ${digest}, ` +
        `expected ${record.size} bytes with ${record.digest}`,
      { reason: 'TofuPlanCorrupt', next: 'stalled' },
    );
  }
  renameSync(partial, file);
  return record;
}

function toRecord(row: PlanRow): TofuPlanRecord {
  return {
    id: row.id,
    product: row.product,
    createdAt: row.created_at,
    digest: row.digest,
    size: row.size,
    fingerprint: row.fingerprint,
    summary: fromStoredJson(row.summary),
  };
}

/** `TofuPlanStore` on a connection of its own to the state file, so it works beside any open `SqliteStore`. */
export class SqliteTofuPlanStore implements TofuPlanStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  save(input: TofuPlanInput): TofuPlanRecord {
    return writeTransaction(this.#db, () => {
      const record = insertTofuPlan(this.#db, input);
      pruneTofuPlans(this.#db, input.product, TOFU_PLANS_KEPT);
      return record;
    });
  }

  get(id: string): TofuPlanRecord | undefined {
    return readTofuPlanRecord(this.#db, id);
  }

  latest(product: string): TofuPlanRecord | undefined {
    return latestTofuPlanRecord(this.#db, product);
  }

  restore(id: string, file: string): TofuPlanRecord {
    return writeTofuPlanFile(this.#db, id, file);
  }

  close(): void {
    this.#db.close();
  }
}

/** Opens the saved-plan store on the state file at `path`, migrating it to the current schema. */
export function openTofuPlanStore(path: string): SqliteTofuPlanStore {
  const db = openDatabase(path, false);
  try {
    migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteTofuPlanStore(db);
}
