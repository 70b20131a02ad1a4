import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../actions/canonical.js';
import { fromStoredJson, isoTime, storable } from './json.js';
import type { AuditEntry, AuditVerification } from './store.js';

/** The `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller hands in to be audited; seq, time and hashes are the store's. */
export interface AuditInput {
  type: string;
  product?: string | null;
  actionId?: string | null;
  actor: string;
  data: unknown;
}

interface AuditRow {
  seq: number;
  at: string;
  type: string;
  product: string | null;
  action_id: string | null;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/** sha256 over the previous hash and the canonical JSON of the entry's own fields. */
export function auditHash(
  prevHash: string,
  entry: Pick<AuditEntry, 'seq' | 'at' | 'type' | 'product' | 'actionId' | 'actor' | 'data'>,
): string {
  const { seq, at, type, product, actionId, actor, data } = entry;
  return createHash('sha256')
    .update(prevHash + canonicalJson({ seq, at, type, product, actionId, actor, data }))
    .digest('hex');
}

/**
 * Appends one entry, linked to the last. Must run inside a write transaction (the caller's), so
 * that reading the last hash and inserting the next is one step for every process.
 */
export function insertAudit(db: Database.Database, input: AuditInput, now: Date): AuditEntry {
  const last = db
    .prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')
    .get();
  const fields = {
    seq: (last?.seq ?? 0) + 1,
    at: isoTime(now),
    type: input.type,
    product: input.product ?? null,
    actionId: input.actionId ?? null,
    actor: input.actor,
    data: storable(input.data),
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const entry: AuditEntry = { ...fields, prevHash, hash: auditHash(prevHash, fields) };
  db.prepare(
    `INSERT INTO audit (seq, at, type, product, action_id, actor, data, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    entry.seq,
    entry.at,
    entry.type,
    entry.product,
    entry.actionId,
    entry.actor,
    canonicalJson(entry.data),
    entry.prevHash,
    entry.hash,
  );
  return entry;
}

/**
 * Audit entries in seq order. With `afterSeq`, the first `limit` entries after it (paging
 * forward); without, the newest `limit` (a tail).
 */
export function listAudit(
  db: Database.Database,
  filter: { product?: string; limit?: number; afterSeq?: number } = {},
): AuditEntry[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.product !== undefined) {
    where.push('product = ?');
    params.push(filter.product);
  }
  if (filter.afterSeq !== undefined) {
    where.push('seq > ?');
    params.push(filter.afterSeq);
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const tail = filter.limit !== undefined && filter.afterSeq === undefined;
  let sql = `SELECT * FROM audit ${clause} ORDER BY seq ${tail ? 'DESC' : 'ASC'}`;
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(Math.max(0, Math.floor(filter.limit)));
  }
  const rows = db.prepare<(string | number)[], AuditRow>(sql).all(...params);
  if (tail) rows.reverse();
  return rows.map(toEntry);
}

/**
 * Recomputes the chain from the first entry. Reports the first entry that is missing (a gap in
 * seq), whose `prevHash` is not the hash of the entry before it (deleted, reordered or re-linked),
 * or whose content does not hash to its `hash` (edited). Cutting entries off the end leaves a
 * valid, shorter chain: only an anchor kept outside the file would show that.
 */
export function verifyAuditChain(db: Database.Database): AuditVerification {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let entries = 0;
  for (const row of db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq').iterate()) {
    const problem = checkRow(row, expectedSeq, prevHash);
    if (problem) return { ok: false, entries, brokenAt: expectedSeq, problem };
    entries += 1;
    expectedSeq = row.seq + 1;
    prevHash = row.hash;
  }
  return { ok: true, entries };
}

function checkRow(row: AuditRow, expectedSeq: number, prevHash: string): string | undefined {
  if (row.seq !== expectedSeq) {
    return `entry #${expectedSeq} is missing: #${row.seq} follows #${expectedSeq - 1}`;
  }
  if (row.prev_hash !== prevHash) {
    return expectedSeq === 1
      ? 'the first entry does not start the chain: its previous hash is not the genesis hash'
      : `its previous hash is not the hash of entry #${expectedSeq - 1}: an entry was removed, reordered or re-linked`;
  }
  let entry: AuditEntry;
  try {
    entry = toEntry(row);
  } catch {
    return 'its data is not valid JSON';
  }
  if (auditHash(prevHash, entry) !== row.hash) {
    return 'its content does not match its hash: the entry was changed after it was written';
  }
  return undefined;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    product: row.product,
    actionId: row.action_id,
    actor: row.actor,
    data: fromStoredJson(row.data),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
