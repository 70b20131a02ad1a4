import type Database from 'better-sqlite3';
import { fromStoredJson, isoTime, toStoredJson } from './json.js';

/**
 * Keeps the latest observation of one facet of one product. An observation older than the one
 * stored never replaces it, so a slow observer finishing late cannot roll the cache back.
 */
export function upsertObservation(
  db: Database.Database,
  product: string,
  facet: string,
  value: unknown,
  observedAt: Date,
): void {
  db.prepare(
    `INSERT INTO observations (product, facet, value, observed_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (product, facet) DO UPDATE SET value = excluded.value, observed_at = excluded.observed_at
     WHERE excluded.observed_at >= observations.observed_at`,
  ).run(product, facet, toStoredJson(value), isoTime(observedAt));
}

/** The latest observation of a facet, if any. */
export function readObservation(
  db: Database.Database,
  product: string,
  facet: string,
): { value: unknown; observedAt: string } | undefined {
  const row = db
    .prepare<[string, string], { value: string; observed_at: string }>(
      'SELECT value, observed_at FROM observations WHERE product = ? AND facet = ?',
    )
    .get(product, facet);
  return row ? { value: fromStoredJson(row.value), observedAt: row.observed_at } : undefined;
}

/**
 * Stores a plan under its id. The id is a hash of the plan's content, so a second save of the same
 * id is the same plan: the first save, and its time, are kept.
 */
export function insertPlan(db: Database.Database, planId: string, plan: unknown, createdAt: Date): void {
  // Asked first: the passes of a loop that waits on builds plan the same id again and again, and
  // turning a plan of a big fleet into stored JSON costs more than the look.
  if (db.prepare('SELECT 1 FROM plans WHERE id = ?').get(planId) !== undefined) return;
  db.prepare('INSERT INTO plans (id, plan, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING').run(
    planId,
    toStoredJson(plan),
    isoTime(createdAt),
  );
}

/** A saved plan by id. */
export function readPlan(db: Database.Database, planId: string): unknown | undefined {
  const row = db.prepare<[string], { plan: string }>('SELECT plan FROM plans WHERE id = ?').get(planId);
  return row ? fromStoredJson(row.plan) : undefined;
}
