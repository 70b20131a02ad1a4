import type Database from 'better-sqlite3';
import { redactor } from '../log/redact.js';
import { isoFromText } from './json.js';
import type { Condition, ConditionType } from './store.js';

interface ConditionRow {
  product: string;
  type: ConditionType;
  status: Condition['status'];
  reason: string;
  message: string;
  last_transition_time: string;
  observed_revision: string | null;
}

/** Replaces every condition of one product with these, in this order. Call inside a write transaction. */
export function replaceConditions(db: Database.Database, product: string, conditions: Condition[]): void {
  db.prepare('DELETE FROM conditions WHERE product = ?').run(product);
  const insert = db.prepare(
    `INSERT INTO conditions
       (product, position, type, status, reason, message, last_transition_time, observed_revision)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const [position, condition] of conditions.entries()) {
    insert.run(
      product,
      position,
      condition.type,
      condition.status,
      condition.reason,
      redactor.redactText(condition.message),
      isoFromText(condition.lastTransitionTime, `${condition.type} condition of ${product}`),
      condition.observedRevision,
    );
  }
}

/** Conditions by product (every product, or the one asked for), products in id order. */
export function listConditions(db: Database.Database, product?: string): Map<string, Condition[]> {
  const sql = `SELECT * FROM conditions ${product === undefined ? '' : 'WHERE product = ?'} ORDER BY product, position`;
  const rows = db.prepare<string[], ConditionRow>(sql).all(...(product === undefined ? [] : [product]));
  const byProduct = new Map<string, Condition[]>();
  for (const row of rows) {
    const list = byProduct.get(row.product) ?? [];
    list.push({
      type: row.type,
      status: row.status,
      reason: row.reason,
      message: row.message,
      lastTransitionTime: row.last_transition_time,
      observedRevision: row.observed_revision,
    });
    byProduct.set(row.product, list);
  }
  return byProduct;
}
