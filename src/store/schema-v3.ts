/**
 * Schema version 3: the journal keeps the action an intent is for (its JSON: kind, params,
 * idempotency key), so that a restarted reconciler can finish an action a killed one left running
 * in a detached worker, even when planning would no longer propose it. Released: never edit.
 */
export const SCHEMA_V3 = `
ALTER TABLE journal ADD COLUMN action TEXT;
`;
