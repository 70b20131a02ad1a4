import { expect } from 'vitest';
import type { SqliteStore } from '../../src/store/sqlite.js';

/**
 * What a fleet's state must show after any number of crashes: an intact audit chain, and no
 * idempotency key that succeeded twice. Returns how many keys succeeded.
 */
export function expectEachKeySucceededOnce(store: SqliteStore): number {
  expect(store.verifyAudit()).toMatchObject({ ok: true });
  const succeeded = new Map<string, number>();
  for (const entry of store.audit({ limit: 100_000 })) {
    if (entry.type !== 'action.succeeded') continue;
    const key = String((entry.data as { idempotencyKey?: string }).idempotencyKey);
    succeeded.set(key, (succeeded.get(key) ?? 0) + 1);
  }
  for (const [key, count] of succeeded) expect(count, key).toBe(1);
  return succeeded.size;
}
