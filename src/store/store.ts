import type { Action, Verdict } from '../actions/action.js';

/** A journal entry: an action's intent, written before it runs, and its outcome after. */
export interface JournalEntry {
  idempotencyKey: string;
  actionId: string;
  product: string;
  kind: string;
  planId: string | null;
  runId: string;
  /** `intent`: written, not finished (running, or the process died); then `succeeded` or `failed`. */
  state: 'intent' | 'succeeded' | 'failed';
  /** How many times an intent was written for this key. */
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  /** JSON the actuator returned (no secrets). */
  result: unknown;
  error: { message: string; reason: string; next: 'stalled' | 'waiting' | 'transient' } | null;
  /** For a failure: when a retry is due (backoff), null when it must not be retried (stalled). */
  retryAt: string | null;
  /** The action the intent was written for; null in entries written before the journal kept it. */
  action: Action | null;
}

/** What `beginAction` found: go ahead, or the key already ran or is running. */
export type BeginOutcome =
  | { status: 'started'; entry: JournalEntry }
  | { status: 'already-succeeded'; entry: JournalEntry }
  | { status: 'in-flight'; entry: JournalEntry }
  | { status: 'backing-off'; entry: JournalEntry }
  | { status: 'stalled'; entry: JournalEntry };

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';

/** A Flux-style status condition of one product. */
export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  /** Fleet revision the condition was computed from. */
  observedRevision: string | null;
}

export interface Approval {
  /** An action id or a plan id; both are content hashes, so a changed plan needs a new approval. */
  target: string;
  by: string;
  reason: string | null;
  at: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  /** What happened: `action.intent`, `action.succeeded`, `action.failed`, `approval`, `decision`, `plan.saved`, `product.orphaned`… */
  type: string;
  product: string | null;
  actionId: string | null;
  actor: string;
  /** JSON, redacted before it is written. */
  data: unknown;
  prevHash: string;
  /** sha256 over prevHash and the canonical JSON of the other fields. */
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** The first entry whose hash or link does not match. */
  brokenAt?: number;
  problem?: string;
}

export interface Decision {
  actionId: string;
  product: string;
  kind: string;
  /** sha256 of the canonical JSON of everything the constitution looked at. */
  inputsHash: string;
  constitutionRevision: string;
  verdict: Verdict;
  at: string;
}

export interface ProductRecord {
  id: string;
  firstSeenRevision: string | null;
  lastSeenRevision: string | null;
  /** `spec.prune` as last seen in the fleet. */
  prune: boolean;
  /** When the product was first found missing from the fleet; null while it is in it. */
  orphanedAt: string | null;
}

/** The reconciler's durable state. One SQLite file per fleet by default. */
export interface StateStore {
  /**
   * Writes the intent of an action before it runs, unless its key already succeeded, is in flight
   * or backs off. The intent survives a killed process at once, a power cut once whenDurable()
   * resolves: the action must not run before.
   */
  beginAction(action: Action, context: { planId: string | null; runId: string; now: Date }): BeginOutcome;
  /**
   * Resolves once every write made so far is on disk (fsynced), without blocking the event loop
   * meanwhile; actions begun side by side share one fsync.
   */
  whenDurable(): Promise<void>;
  /**
   * Hands an intent of a process that died to this run, without a new attempt (`action.resumed`):
   * its action goes on where it was. Throws `ActionNotInFlight` when the key is not an intent.
   */
  resumeAction(idempotencyKey: string, context: { runId: string; now: Date }): JournalEntry;
  /** Records the outcome of a started action; a failure records when to retry (null: stalled). */
  finishAction(
    idempotencyKey: string,
    outcome:
      | { state: 'succeeded'; result?: unknown }
      | { state: 'failed'; error: NonNullable<JournalEntry['error']>; retryAt: string | null },
    now: Date,
  ): JournalEntry;
  journalEntry(idempotencyKey: string): JournalEntry | undefined;
  journal(filter?: { product?: string; limit?: number }): JournalEntry[];

  saveObservation(product: string, facet: string, value: unknown, observedAt: Date): void;
  /** Many observations in one commit (a pass's worth, not one per product and facet). */
  saveObservations(entries: { product: string; facet: string; value: unknown }[], observedAt: Date): void;
  observation(product: string, facet: string): { value: unknown; observedAt: string } | undefined;

  savePlan(planId: string, plan: unknown, createdAt: Date): void;
  plan(planId: string): unknown | undefined;

  addApproval(approval: Approval): void;
  approvals(targets: string[]): Approval[];
  /** Approvals of whole plans (by plan id), oldest first. */
  planApprovals(): Approval[];

  setConditions(product: string, conditions: Condition[]): void;
  /** The conditions of many products in one commit. */
  setConditionsOf(conditions: ReadonlyMap<string, Condition[]>): void;
  conditions(product?: string): Map<string, Condition[]>;

  /** Decisions in one commit (a pass's, all at once). */
  recordDecisions(decisions: readonly Decision[]): void;
  decisions(filter?: { product?: string; actionId?: string; limit?: number }): Decision[];

  /** Records that these products are in the fleet at `revision`; returns products that were known and are not (orphans). */
  syncProducts(
    products: { id: string; prune: boolean }[],
    revision: string | null,
    now: Date,
  ): ProductRecord[];
  products(): ProductRecord[];
  /** Drops a pruned product's record, observations and conditions (journal and audit stay). */
  forgetProduct(id: string, now: Date): void;

  appendAudit(
    entry: { type: string; product?: string | null; actionId?: string | null; actor: string; data: unknown },
    now: Date,
  ): AuditEntry;
  audit(filter?: { product?: string; limit?: number; afterSeq?: number }): AuditEntry[];
  verifyAudit(): AuditVerification;

  close(): void;
}
