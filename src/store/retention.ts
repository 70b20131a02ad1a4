import type Database from 'better-sqlite3';
import { insertAudit } from './audit.js';
import { isoTime } from './json.js';

/** Up to when each kind of record is removed (records older than the time), and which products the fleet has. */
export interface PruneBefore {
  /** Finished journal entries (an intent is never removed), and gate decisions superseded by a newer one of their action. */
  journal: Date;
  /** Saved whole plans. */
  plans: Date;
  /** Saved tofu plans, but the newest of each product. */
  tofuPlans: Date;
  /** Observations of products not in `products`. */
  observations: Date;
  /** The fleet's products now. */
  products: readonly string[];
}

/** How many records of each kind were removed. */
export interface PruneCounts {
  journal: number;
  decisions: number;
  plans: number;
  tofuPlans: number;
  observations: number;
}

/**
 * Removes what retention no longer keeps, and audits it (`retention.pruned`, with the counts)
 * when anything went; call inside a write transaction. The audit log itself is never pruned.
 * Timestamps are stored as ISO 8601 UTC text, so they compare as text.
 */
export function pruneState(db: Database.Database, before: PruneBefore, now: Date): PruneCounts {
  const counts: PruneCounts = {
    journal: db
      .prepare(`DELETE FROM journal WHERE state <> 'intent' AND COALESCE(finished_at, started_at) < ?`)
      .run(isoTime(before.journal)).changes,
    // The newest decision of an action is what the next one is compared with: it stays.
    decisions: db
      .prepare(
        'DELETE FROM decisions WHERE at < ? AND id NOT IN (SELECT MAX(id) FROM decisions GROUP BY action_id)',
      )
      .run(isoTime(before.journal)).changes,
    plans: db.prepare('DELETE FROM plans WHERE created_at < ?').run(isoTime(before.plans)).changes,
    // A product's newest plan may be the one an approved action applies; chunks go with their plan.
    tofuPlans: db
      .prepare(
        'DELETE FROM tofu_plans WHERE created_at < ? AND rowid NOT IN (SELECT MAX(rowid) FROM tofu_plans GROUP BY product)',
      )
      .run(isoTime(before.tofuPlans)).changes,
    observations: db
      .prepare(
        'DELETE FROM observations WHERE observed_at < ? AND product NOT IN (SELECT value FROM json_each(?))',
      )
      .run(isoTime(before.observations), JSON.stringify(before.products)).changes,
  };
  if (Object.values(counts).some((count) => count > 0))
    insertAudit(
      db,
      { type: 'retention.pruned', product: null, actionId: null, actor: 'reconciler', data: { ...counts } },
      now,
    );
  return counts;
}
