/**
 * Schema version 2: OpenTofu's saved plan files. A plan file is kept in the state store, not on one
 * machine's disk or in one process's memory, so that the apply of an approved plan can run in a
 * later pass, another process, or after a restart. Its bytes are split into chunks so that neither
 * writing nor reading a plan of any size needs it whole in memory. Released: never edit.
 */
export const SCHEMA_V2 = `
CREATE TABLE tofu_plans (
  id          TEXT PRIMARY KEY,
  product     TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  digest      TEXT NOT NULL,
  size        INTEGER NOT NULL CHECK (size >= 0),
  fingerprint TEXT NOT NULL,
  summary     TEXT NOT NULL
);
CREATE INDEX tofu_plans_by_product ON tofu_plans (product, created_at);

CREATE TABLE tofu_plan_chunks (
  plan_id TEXT NOT NULL REFERENCES tofu_plans (id) ON DELETE CASCADE,
  seq     INTEGER NOT NULL CHECK (seq >= 0),
  data    BLOB NOT NULL,
  PRIMARY KEY (plan_id, seq)
) WITHOUT ROWID;
`;
