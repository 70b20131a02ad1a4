/**
 * Schema version 1 of the state store. Timestamps are ISO 8601 strings in UTC; JSON columns are
 * TEXT holding canonical JSON. Released: never edit, add a migration instead.
 */
export const SCHEMA_V1 = `
CREATE TABLE journal (
  idempotency_key TEXT PRIMARY KEY,
  action_id       TEXT NOT NULL,
  product         TEXT NOT NULL,
  kind            TEXT NOT NULL,
  plan_id         TEXT,
  run_id          TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('intent', 'succeeded', 'failed')),
  attempts        INTEGER NOT NULL CHECK (attempts >= 1),
  started_at      TEXT NOT NULL,
  finished_at     TEXT,
  result          TEXT,
  error           TEXT,
  retry_at        TEXT
);
CREATE INDEX journal_by_product ON journal (product, started_at);

CREATE TABLE observations (
  product     TEXT NOT NULL,
  facet       TEXT NOT NULL,
  value       TEXT NOT NULL,
  observed_at TEXT NOT NULL,
  PRIMARY KEY (product, facet)
);

CREATE TABLE plans (
  id         TEXT PRIMARY KEY,
  plan       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE approvals (
  id     INTEGER PRIMARY KEY,
  target TEXT NOT NULL,
  by     TEXT NOT NULL,
  reason TEXT,
  at     TEXT NOT NULL
);
CREATE INDEX approvals_by_target ON approvals (target);

CREATE TABLE conditions (
  product              TEXT NOT NULL,
  position             INTEGER NOT NULL,
  type                 TEXT NOT NULL,
  status               TEXT NOT NULL CHECK (status IN ('True', 'False', 'Unknown')),
  reason               TEXT NOT NULL,
  message              TEXT NOT NULL,
  last_transition_time TEXT NOT NULL,
  observed_revision    TEXT,
  PRIMARY KEY (product, type)
);

CREATE TABLE decisions (
  id                    INTEGER PRIMARY KEY,
  action_id             TEXT NOT NULL,
  product               TEXT NOT NULL,
  kind                  TEXT NOT NULL,
  inputs_hash           TEXT NOT NULL,
  constitution_revision TEXT NOT NULL,
  verdict               TEXT NOT NULL,
  at                    TEXT NOT NULL
);
CREATE INDEX decisions_by_product ON decisions (product, id);
CREATE INDEX decisions_by_action ON decisions (action_id, id);

CREATE TABLE products (
  id                  TEXT PRIMARY KEY,
  first_seen_revision TEXT,
  last_seen_revision  TEXT,
  prune               INTEGER NOT NULL CHECK (prune IN (0, 1)),
  orphaned_at         TEXT
);

CREATE TABLE audit (
  seq       INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  type      TEXT NOT NULL,
  product   TEXT,
  action_id TEXT,
  actor     TEXT NOT NULL,
  data      TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE INDEX audit_by_product ON audit (product, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted');
END;

CREATE TABLE lease (
  name        TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
`;
