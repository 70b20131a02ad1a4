import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Action } from '../actions/action.js';
import { type AuditInput, insertAudit, listAudit, verifyAuditChain } from './audit.js';
import { listConditions, replaceConditions } from './conditions.js';
import { cacheStatements, openDatabase, WalSync, writeTransaction } from './connection.js';
import {
  insertApproval,
  insertDecision,
  listApprovals,
  listDecisions,
  listPlanApprovals,
} from './governance.js';
import {
  type ActionOutcome,
  abandonedOutcome,
  beginJournal,
  finishJournal,
  listJournal,
  RECONCILER_ACTOR,
  readJournalEntry,
  resumeJournal,
} from './journal.js';
import { dropLease, extendLease, type Lease, readLease, takeLease } from './lease.js';
import { migrate, requireCurrent } from './migrations.js';
import { forgetProductRecord, listProducts, syncProductRecords } from './products.js';
import { insertPlan, readObservation, readPlan, upsertObservation } from './records.js';
import { type PruneBefore, type PruneCounts, pruneState } from './retention.js';
import type {
  Approval,
  AuditEntry,
  AuditVerification,
  BeginOutcome,
  Condition,
  Decision,
  JournalEntry,
  ProductRecord,
  StateStore,
} from './store.js';

/** How to open a state file. */
export interface OpenStoreOptions {
  /** Open without writing: no folder or file is created, no migration runs (the schema must be current). */
  readonly?: boolean;
}

/**
 * Opens (creating the folder, file and schema if needed) the SQLite state store at `path`.
 * Throws a `CodemonkeysError`: `StateTooNew` for a file written by a newer codemonkeys,
 * `StateMissing` (read-only, no file), `StateTooOld` (read-only, schema not yet migrated),
 * `StateUnreadable` (not a SQLite database, no permission).
 */
export function openStore(path: string, options: OpenStoreOptions = {}): SqliteStore {
  const readonly = options.readonly ?? false;
  const db = openDatabase(path, readonly);
  try {
    if (readonly) requireCurrent(db, path);
    else migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db, path);
}

/**
 * A copy of the state file in memory (an empty state when there is none yet): everything a run
 * writes to it is forgotten when it is closed, and the file is never written. What a dry run
 * that keeps going (`watch --dry-run`) works on, so that it sees the journal, approvals and
 * conditions as they are and can keep its own without touching them.
 */
export function openStoreSnapshot(path: string): SqliteStore {
  if (!existsSync(path)) return openStore(':memory:');
  const file = openDatabase(path, true);
  let bytes: Buffer;
  try {
    bytes = file.serialize();
  } finally {
    file.close();
  }
  // The file is in WAL mode (header bytes 18 and 19 are 2), which an in-memory database cannot
  // open: mark the copy as a rollback-journal database (1), https://www.sqlite.org/fileformat.html.
  bytes[18] = 1;
  bytes[19] = 1;
  const db = new Database(bytes);
  try {
    db.pragma('foreign_keys = ON');
    cacheStatements(db);
    migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db, ':memory:');
}

/**
 * The state store on one SQLite file. Every write is one IMMEDIATE transaction; a write and the
 * audit entry it causes commit together. Beyond `StateStore` it offers `markAbandoned` and the
 * reconciler lease.
 */
export class SqliteStore implements StateStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #wal: WalSync;

  constructor(db: Database.Database, path: string) {
    this.#db = db;
    this.path = path;
    this.#wal = new WalSync(db.memory || db.readonly ? undefined : `${path}-wal`);
  }

  beginAction(action: Action, context: { planId: string | null; runId: string; now: Date }): BeginOutcome {
    // Durable once whenDurable() resolves, which the executor awaits before the action runs.
    return this.#writeLazily(() => beginJournal(this.#db, action, context));
  }

  whenDurable(): Promise<void> {
    return this.#wal.request();
  }

  resumeAction(idempotencyKey: string, context: { runId: string; now: Date }): JournalEntry {
    return this.#write(() => resumeJournal(this.#db, idempotencyKey, context));
  }

  finishAction(idempotencyKey: string, outcome: ActionOutcome, now: Date): JournalEntry {
    // A lost outcome is an intent without one, as when the process dies mid-action: it is re-observed.
    return this.#writeLazily(() => finishJournal(this.#db, idempotencyKey, outcome, now));
  }

  /**
   * Turns an `intent` whose process is known to have died into a failure with reason `Abandoned`,
   * next `transient`, due for retry at `now`, audited as `action.failed`. The caller decides that
   * the process died (the lease it held expired) and, for `publish` actions, whether the effect
   * already happened before it retries. Throws `ActionNotInFlight` when the key is not an intent.
   */
  markAbandoned(idempotencyKey: string, now: Date): JournalEntry {
    return this.#write(() => finishJournal(this.#db, idempotencyKey, abandonedOutcome(now), now));
  }

  /** Removes what retention no longer keeps (see pruneState), in one commit with its audit entry. */
  prune(before: PruneBefore, now: Date): PruneCounts {
    return this.#write(() => pruneState(this.#db, before, now));
  }

  journalEntry(idempotencyKey: string): JournalEntry | undefined {
    return readJournalEntry(this.#db, idempotencyKey);
  }

  journal(filter?: { product?: string; limit?: number }): JournalEntry[] {
    return listJournal(this.#db, filter);
  }

  saveObservation(product: string, facet: string, value: unknown, observedAt: Date): void {
    this.#writeLazily(() => upsertObservation(this.#db, product, facet, value, observedAt));
  }

  saveObservations(entries: { product: string; facet: string; value: unknown }[], observedAt: Date): void {
    if (entries.length === 0) return;
    this.#writeLazily(() => {
      for (const entry of entries)
        upsertObservation(this.#db, entry.product, entry.facet, entry.value, observedAt);
    });
  }

  observation(product: string, facet: string): { value: unknown; observedAt: string } | undefined {
    return readObservation(this.#db, product, facet);
  }

  savePlan(planId: string, plan: unknown, createdAt: Date): void {
    this.#writeLazily(() => insertPlan(this.#db, planId, plan, createdAt));
  }

  plan(planId: string): unknown | undefined {
    return readPlan(this.#db, planId);
  }

  /** Appends the approval and its `approval` audit entry (actor: the approver) in one commit. */
  addApproval(approval: Approval): void {
    this.#write(() => {
      insertApproval(this.#db, approval);
      const { target, reason } = approval;
      insertAudit(
        this.#db,
        { type: 'approval', actor: approval.by, data: { target, reason } },
        new Date(approval.at),
      );
    });
  }

  approvals(targets: string[]): Approval[] {
    return listApprovals(this.#db, targets);
  }

  planApprovals(): Approval[] {
    return listPlanApprovals(this.#db);
  }

  setConditions(product: string, conditions: Condition[]): void {
    this.#writeLazily(() => replaceConditions(this.#db, product, conditions));
  }

  setConditionsOf(conditions: ReadonlyMap<string, Condition[]>): void {
    if (conditions.size === 0) return;
    this.#writeLazily(() => {
      for (const [product, list] of conditions) replaceConditions(this.#db, product, list);
    });
  }

  conditions(product?: string): Map<string, Condition[]> {
    return listConditions(this.#db, product);
  }

  recordDecisions(decisions: readonly Decision[]): void {
    if (decisions.length === 0) return;
    // Carried to disk by the intent of the action decided on, which comes after it.
    this.#writeLazily(() => {
      for (const decision of decisions) insertDecision(this.#db, decision);
    });
  }

  decisions(filter?: { product?: string; actionId?: string; limit?: number }): Decision[] {
    return listDecisions(this.#db, filter);
  }

  syncProducts(
    products: { id: string; prune: boolean }[],
    revision: string | null,
    now: Date,
  ): ProductRecord[] {
    return this.#write(() => syncProductRecords(this.#db, products, revision, now));
  }

  products(): ProductRecord[] {
    return listProducts(this.#db);
  }

  /** Also audits `product.forgotten` in the same commit. */
  forgetProduct(id: string, now: Date): void {
    this.#write(() => forgetProductRecord(this.#db, id, now));
  }

  appendAudit(entry: AuditInput, now: Date): AuditEntry {
    return this.#write(() => insertAudit(this.#db, entry, now));
  }

  audit(filter?: { product?: string; limit?: number; afterSeq?: number }): AuditEntry[] {
    return listAudit(this.#db, filter);
  }

  verifyAudit(): AuditVerification {
    // One read transaction: the chain is checked against a single snapshot while others append.
    return this.#db.transaction(() => verifyAuditChain(this.#db)).deferred();
  }

  /**
   * Takes the reconciler lease of this state file for `ttlMs` when it is free, expired or already
   * `owner`'s; false when another owner holds an unexpired lease. One reconciler per file at a time.
   */
  acquireLease(owner: string, ttlMs: number, now: Date): boolean {
    return this.#write(() => takeLease(this.#db, owner, ttlMs, now));
  }

  /** Extends `owner`'s lease to `now + ttlMs`; false when `owner` no longer holds it. */
  renewLease(owner: string, ttlMs: number, now: Date): boolean {
    return this.#write(() => extendLease(this.#db, owner, ttlMs, now));
  }

  /** Gives the lease up; false when `owner` did not hold it. */
  releaseLease(owner: string): boolean {
    return this.#write(() => dropLease(this.#db, owner));
  }

  /** The lease as stored (possibly expired), for `status` and the dashboard. */
  lease(): Lease | undefined {
    return readLease(this.#db);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #write<T>(fn: () => T): T {
    return writeTransaction(this.#db, fn);
  }

  /** A write the next durable one may carry to disk (see writeTransaction). */
  #writeLazily<T>(fn: () => T): T {
    return writeTransaction(this.#db, fn, { lazy: true });
  }
}

export type { Lease };
export { RECONCILER_ACTOR };
