import type Database from 'better-sqlite3';
import type { Verdict } from '../actions/action.js';
import { redactor } from '../log/redact.js';
import { fromStoredJson, isoFromText, toStoredJson } from './json.js';
import type { Approval, Decision } from './store.js';

/** Appends an approval; approvals are never changed or removed, a newer one adds to them. */
export function insertApproval(db: Database.Database, approval: Approval): void {
  db.prepare('INSERT INTO approvals (target, by, reason, at) VALUES (?, ?, ?, ?)').run(
    approval.target,
    approval.by,
    approval.reason === null ? null : redactor.redactText(approval.reason),
    isoFromText(approval.at, `approval of ${approval.target} by ${approval.by}`),
  );
}

/** Every approval of any of the targets, oldest first. */
export function listApprovals(db: Database.Database, targets: string[]): Approval[] {
  if (targets.length === 0) return [];
  const placeholders = targets.map(() => '?').join(', ');
  return db
    .prepare<string[], Approval>(
      `SELECT target, by, reason, at FROM approvals WHERE target IN (${placeholders}) ORDER BY id`,
    )
    .all(...targets);
}

/** Every approval of a whole plan (a 64-hex-digit target), oldest first. */
export function listPlanApprovals(db: Database.Database): Approval[] {
  return db
    .prepare<[], Approval>(
      'SELECT target, by, reason, at FROM approvals WHERE length(target) = 64 ORDER BY id',
    )
    .all();
}

interface DecisionRow {
  action_id: string;
  product: string;
  kind: string;
  inputs_hash: string;
  constitution_revision: string;
  verdict: string;
  at: string;
}

/** Appends what the constitution decided for one action. */
export function insertDecision(db: Database.Database, decision: Decision): void {
  db.prepare(
    `INSERT INTO decisions (action_id, product, kind, inputs_hash, constitution_revision, verdict, at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    decision.actionId,
    decision.product,
    decision.kind,
    decision.inputsHash,
    decision.constitutionRevision,
    toStoredJson(decision.verdict),
    isoFromText(decision.at, `decision on action ${decision.actionId}`),
  );
}

/** Decisions oldest first, filtered by product and action; `limit` keeps the newest. */
export function listDecisions(
  db: Database.Database,
  filter: { product?: string; actionId?: string; limit?: number } = {},
): Decision[] {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.product !== undefined) {
    where.push('product = ?');
    params.push(filter.product);
  }
  if (filter.actionId !== undefined) {
    where.push('action_id = ?');
    params.push(filter.actionId);
  }
  let sql = `SELECT * FROM decisions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
  if (filter.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(Math.max(0, Math.floor(filter.limit)));
  }
  return db
    .prepare<(string | number)[], DecisionRow>(sql)
    .all(...params)
    .reverse()
    .map((row) => ({
      actionId: row.action_id,
      product: row.product,
      kind: row.kind,
      inputsHash: row.inputs_hash,
      constitutionRevision: row.constitution_revision,
      verdict: fromStoredJson(row.verdict) as Verdict,
      at: row.at,
    }));
}
