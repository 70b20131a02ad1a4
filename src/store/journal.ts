import type Database from 'better-sqlite3';
import type { Action, GatedAction } from '../actions/action.js';
import { CodemonkeysError } from '../errors.js';
import { insertAudit } from './audit.js';
import { fromStoredJson, isoFromText, isoTime, storable, toStoredJson } from './json.js';
import type { BeginOutcome, JournalEntry } from './store.js';

/** The actor of the audit entries the journal writes itself. */
export const RECONCILER_ACTOR = 'reconciler';

/** A failure as `finishAction` records it. */
export type FailedOutcome = {
  state: 'failed';
  error: NonNullable<JournalEntry['error']>;
  retryAt: string | null;
};

/** How an action ended, as `finishAction` receives it. */
export type ActionOutcome = { state: 'succeeded'; result?: unknown } | FailedOutcome;

interface JournalRow {
  idempotency_key: string;
  action_id: string;
  product: string;
  kind: string;
  plan_id: string | null;
  run_id: string;
  state: JournalEntry['state'];
  attempts: number;
  started_at: string;
  finished_at: string | null;
  result: string | null;
  error: string | null;
  retry_at: string | null;
  action: string | null;
}

/**
 * Writes an intent for the action's key, or reports why not. Call inside a write transaction: the
 * row and its `action.intent` audit entry are one commit.
 */
export function beginJournal(
  db: Database.Database,
  action: Action,
  context: { planId: string | null; runId: string; now: Date },
): BeginOutcome {
  const existing = readRow(db, action.idempotencyKey);
  if (existing) {
    const found = toEntry(existing);
    const blocked = blockedOutcome(found, context.now);
    if (blocked) return blocked;
  }
  const attempts = (existing?.attempts ?? 0) + 1;
  const at = isoTime(context.now);
  db.prepare(
    `INSERT INTO journal (idempotency_key, action_id, product, kind, plan_id, run_id, state, attempts, started_at, action)
     VALUES (@key, @actionId, @product, @kind, @planId, @runId, 'intent', @attempts, @at, @action)
     ON CONFLICT (idempotency_key) DO UPDATE SET
       action_id = excluded.action_id, product = excluded.product, kind = excluded.kind,
       plan_id = excluded.plan_id, run_id = excluded.run_id, state = 'intent',
       attempts = excluded.attempts, started_at = excluded.started_at,
       finished_at = NULL, result = NULL, error = NULL, retry_at = NULL, action = excluded.action`,
  ).run({
    key: action.idempotencyKey,
    actionId: action.id,
    product: action.product,
    kind: action.kind,
    planId: context.planId,
    runId: context.runId,
    attempts,
    at,
    action: toStoredJson(storable(actionOf(action))),
  });
  insertAudit(
    db,
    {
      type: 'action.intent',
      product: action.product,
      actionId: action.id,
      actor: RECONCILER_ACTOR,
      data: {
        idempotencyKey: action.idempotencyKey,
        kind: action.kind,
        attempt: attempts,
        planId: context.planId,
        runId: context.runId,
      },
    },
    context.now,
  );
  return { status: 'started', entry: mustRead(db, action.idempotencyKey) };
}

/** The action as the journal keeps it: the planned action, without what the gate added. */
function actionOf(action: Action): Action {
  const { verdict: _verdict, blockedBy: _blockedBy, ...planned } = action as Partial<GatedAction> & Action;
  return planned;
}

/**
 * Hands an intent a process left behind to this run (`runId`), without a new attempt: the action
 * goes on where it was (its detached worker is waited for or read back), audited as
 * `action.resumed`. Call inside a write transaction; the key must be in flight.
 */
export function resumeJournal(
  db: Database.Database,
  key: string,
  context: { runId: string; now: Date },
): JournalEntry {
  const row = requireInFlight(db, key, 'resume');
  db.prepare('UPDATE journal SET run_id = ? WHERE idempotency_key = ?').run(context.runId, key);
  audit(db, row, 'action.resumed', { fromRunId: row.run_id, runId: context.runId }, context.now);
  return mustRead(db, key);
}

/** Why an existing entry keeps its key from starting again now, or undefined when a retry is due. */
function blockedOutcome(entry: JournalEntry, now: Date): BeginOutcome | undefined {
  if (entry.state === 'succeeded') return { status: 'already-succeeded', entry };
  if (entry.state === 'intent') return { status: 'in-flight', entry };
  if (entry.retryAt === null) return { status: 'stalled', entry };
  if (Date.parse(entry.retryAt) > now.getTime()) return { status: 'backing-off', entry };
  return undefined;
}

/**
 * Records the outcome of an entry in `intent` and audits it (`action.succeeded` / `action.failed`).
 * Call inside a write transaction. Finishing a key that is not in flight is a bug in the caller.
 */
export function finishJournal(
  db: Database.Database,
  key: string,
  outcome: ActionOutcome,
  now: Date,
): JournalEntry {
  const row = requireInFlight(db, key, 'finish');
  const at = isoTime(now);
  if (outcome.state === 'succeeded') {
    const result = storable(outcome.result ?? null);
    db.prepare(
      `UPDATE journal SET state = 'succeeded', finished_at = ?, result = ?, error = NULL, retry_at = NULL
       WHERE idempotency_key = ?`,
    ).run(at, toStoredJson(result), key);
    audit(db, row, 'action.succeeded', { result }, now);
  } else {
    const error = storable(outcome.error);
    const retryAt =
      outcome.retryAt === null ? null : isoFromText(outcome.retryAt, `retryAt of action ${key}`);
    db.prepare(
      `UPDATE journal SET state = 'failed', finished_at = ?, result = NULL, error = ?, retry_at = ?
       WHERE idempotency_key = ?`,
    ).run(at, toStoredJson(error), retryAt, key);
    audit(db, row, 'action.failed', { error, retryAt }, now);
  }
  return mustRead(db, key);
}

/** The outcome `markAbandoned` records for an intent whose process died. */
export function abandonedOutcome(now: Date): FailedOutcome {
  return {
    state: 'failed',
    error: {
      message: 'the process running this action ended before recording its outcome',
      reason: 'Abandoned',
      next: 'transient',
    },
    retryAt: isoTime(now),
  };
}

function audit(db: Database.Database, row: JournalRow, type: string, data: object, now: Date): void {
  insertAudit(
    db,
    {
      type,
      product: row.product,
      actionId: row.action_id,
      actor: RECONCILER_ACTOR,
      data: { idempotencyKey: row.idempotency_key, kind: row.kind, attempt: row.attempts, ...data },
    },
    now,
  );
}

function requireInFlight(db: Database.Database, key: string, verb: string): JournalRow {
  const row = readRow(db, key);
  if (!row) {
    throw new CodemonkeysError(`cannot ${verb} action ${key}: the journal has no entry for it`, {
      reason: 'JournalEntryMissing',
    });
  }
  if (row.state !== 'intent') {
    throw new CodemonkeysError(`cannot ${verb} action ${key}: it is not in flight (it ${row.state})`, {
      reason: 'ActionNotInFlight',
    });
  }
  return row;
}

/** One journal entry by idempotency key. */
export function readJournalEntry(db: Database.Database, key: string): JournalEntry | undefined {
  const row = readRow(db, key);
  return row ? toEntry(row) : undefined;
}

/** Journal entries oldest first (by latest start); `limit` keeps the newest. */
export function listJournal(
  db: Database.Database,
  filter: { product?: string; limit?: number } = {},
): JournalEntry[] {
  const params: (string | number)[] = [];
  let sql = 'SELECT * FROM journal';
  if (filter.product !== undefined) {
    sql += ' WHERE product = ?';
    params.push(filter.product);
  }
  sql += ' ORDER BY started_at DESC, rowid DESC';
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(Math.max(0, Math.floor(filter.limit)));
  }
  return db
    .prepare<(string | number)[], JournalRow>(sql)
    .all(...params)
    .reverse()
    .map(toEntry);
}

function readRow(db: Database.Database, key: string): JournalRow | undefined {
  return db.prepare<[string], JournalRow>('SELECT * FROM journal WHERE idempotency_key = ?').get(key);
}

function mustRead(db: Database.Database, key: string): JournalEntry {
  const row = readRow(db, key);
  if (!row) throw new Error(`journal entry ${key} vanished inside its own transaction`);
  return toEntry(row);
}

function toEntry(row: JournalRow): JournalEntry {
  return {
    idempotencyKey: row.idempotency_key,
    actionId: row.action_id,
    product: row.product,
    kind: row.kind,
    planId: row.plan_id,
    runId: row.run_id,
    state: row.state,
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    result: fromStoredJson(row.result),
    error: fromStoredJson(row.error) as JournalEntry['error'],
    retryAt: row.retry_at,
    action: fromStoredJson(row.action) as Action | null,
  };
}
