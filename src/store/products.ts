import type Database from 'better-sqlite3';
import { insertAudit } from './audit.js';
import { RECONCILER_ACTOR } from './journal.js';
import { isoTime } from './json.js';
import type { ProductRecord } from './store.js';

interface ProductRow {
  id: string;
  first_seen_revision: string | null;
  last_seen_revision: string | null;
  prune: number;
  orphaned_at: string | null;
}

/**
 * Records the products of the fleet at `revision` and returns the known products missing from it.
 * A product missing for the first time gets `orphanedAt` and one `product.orphaned` audit entry;
 * one that is back loses `orphanedAt`. Call inside a write transaction.
 */
export function syncProductRecords(
  db: Database.Database,
  products: { id: string; prune: boolean }[],
  revision: string | null,
  now: Date,
): ProductRecord[] {
  const upsert = db.prepare(
    `INSERT INTO products (id, first_seen_revision, last_seen_revision, prune, orphaned_at)
     VALUES (@id, @revision, @revision, @prune, NULL)
     ON CONFLICT (id) DO UPDATE SET
       last_seen_revision = excluded.last_seen_revision, prune = excluded.prune, orphaned_at = NULL`,
  );
  const present = new Set<string>();
  for (const product of products) {
    present.add(product.id);
    upsert.run({ id: product.id, revision, prune: product.prune ? 1 : 0 });
  }
  const orphanedAt = isoTime(now);
  const orphans: ProductRecord[] = [];
  for (const record of listProducts(db)) {
    if (present.has(record.id)) continue;
    if (record.orphanedAt === null) {
      db.prepare('UPDATE products SET orphaned_at = ? WHERE id = ?').run(orphanedAt, record.id);
      insertAudit(
        db,
        {
          type: 'product.orphaned',
          product: record.id,
          actor: RECONCILER_ACTOR,
          data: { revision, lastSeenRevision: record.lastSeenRevision, prune: record.prune },
        },
        now,
      );
      record.orphanedAt = orphanedAt;
    }
    orphans.push(record);
  }
  return orphans;
}

/**
 * Drops what the store keeps about a product (its record, observations and conditions) and audits
 * `product.forgotten`; its journal, decisions and audit entries stay as history. Call inside a
 * write transaction. A product that comes back later is new again.
 */
export function forgetProductRecord(db: Database.Database, id: string, now: Date): void {
  const record = listProducts(db).find((product) => product.id === id);
  const observations = db.prepare('DELETE FROM observations WHERE product = ?').run(id).changes;
  db.prepare('DELETE FROM conditions WHERE product = ?').run(id);
  db.prepare('DELETE FROM products WHERE id = ?').run(id);
  insertAudit(
    db,
    {
      type: 'product.forgotten',
      product: id,
      actor: RECONCILER_ACTOR,
      data: { known: record !== undefined, orphanedAt: record?.orphanedAt ?? null, observations },
    },
    now,
  );
}

/** Every product the store has seen, in id order. */
export function listProducts(db: Database.Database): ProductRecord[] {
  return db
    .prepare<[], ProductRow>('SELECT * FROM products ORDER BY id')
    .all()
    .map((row) => ({
      id: row.id,
      firstSeenRevision: row.first_seen_revision,
      lastSeenRevision: row.last_seen_revision,
      prune: row.prune === 1,
      orphanedAt: row.orphaned_at,
    }));
}
