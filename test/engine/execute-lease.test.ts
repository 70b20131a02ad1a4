import { afterEach, describe, expect, it, vi } from 'vitest';
import { Executor } from '../../src/engine/execute.js';
import { actionLease, LEASE_TTL_MS } from '../../src/engine/lease.js';
import type { Actuator } from '../../src/facets/actuator.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore, type SqliteStore } from '../../src/store/sqlite.js';
import {
  allowedTrigger as gated,
  makeFleet,
  NOW,
  outcomesByProduct as outcomes,
  testActuateContext,
} from '../helpers/engine.js';

const RUN_ID = 'here:1:this-run';
const RIVAL = 'there:2:another-run';
const fleet = makeFleet([{ id: 'acme/a' }, { id: 'acme/b' }, { id: 'acme/c' }]);
const logger = createLogger({ level: 'silent' });

const stores: SqliteStore[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const store of stores.splice(0)) store.close();
});

describe('the executor under the reconciler lease', () => {
  it('renews the lease while an action runs five times longer than its TTL: no rival can take it', async () => {
    vi.useFakeTimers({ now: NOW });
    const clock = () => new Date(fakeTime());
    const store = leasedStore(clock());
    const apply = deferred();
    const executor = leasedExecutor(store, clock, () => apply.promise);
    executor.submit([gated('acme/a')], 'plan-1');
    for (let elapsed = 0; elapsed < 5 * LEASE_TTL_MS; elapsed += 10_000) {
      await vi.advanceTimersByTimeAsync(10_000);
      const lease = store.lease();
      expect(lease?.owner).toBe(RUN_ID);
      // Renewed every quarter of the TTL: never less than three quarters of it left.
      expect(Date.parse(lease?.expiresAt ?? '') - fakeTime()).toBeGreaterThanOrEqual((LEASE_TTL_MS * 3) / 4);
      expect(store.acquireLease(RIVAL, LEASE_TTL_MS, clock())).toBe(false);
    }
    apply.resolve({});
    expect(outcomes(await executor.finish())).toEqual({ 'acme/a': 'succeeded' });
    expect(vi.getTimerCount(), 'the renewal timer outlives the actions').toBe(0);
  });

  it('starts no action once a rival took the lease, and lets the one running finish', async () => {
    const store = leasedStore(NOW);
    const started: string[] = [];
    const first = deferred();
    const executor = leasedExecutor(
      store,
      () => NOW,
      async (action) => {
        started.push(action.product);
        return action.product === 'acme/a' ? first.promise : {};
      },
      1,
    );
    executor.submit([gated('acme/a'), gated('acme/b')], 'plan-1');
    await vi.waitFor(() => expect(started).toEqual(['acme/a']));
    // The rival's clock is past this lease's expiry (this process stalled beyond it): it takes over.
    expect(store.acquireLease(RIVAL, LEASE_TTL_MS, new Date(NOW.getTime() + LEASE_TTL_MS))).toBe(true);
    first.resolve({});
    executor.submit([gated('acme/c')], 'plan-2');
    const executed = await executor.finish();
    expect(started).toEqual(['acme/a']);
    expect(outcomes(executed)).toEqual({ 'acme/a': 'succeeded', 'acme/b': 'skipped', 'acme/c': 'skipped' });
    for (const product of ['acme/b', 'acme/c']) {
      expect(executed.find((done) => done.product === product)?.detail).toBe(
        `the reconciler lease was lost to ${RIVAL}`,
      );
      expect(store.journalEntry(gated(product).idempotencyKey), 'no intent journaled').toBeUndefined();
    }
    expect(store.journalEntry(gated('acme/a').idempotencyKey)?.state).toBe('succeeded');
  });

  it('starts nothing when the lease was released before the first action', async () => {
    const store = leasedStore(NOW);
    store.releaseLease(RUN_ID);
    const ran: string[] = [];
    const executor = leasedExecutor(
      store,
      () => NOW,
      async (action) => ran.push(action.product),
    );
    executor.submit([gated('acme/a'), gated('acme/b', ['acme/a'])], 'plan-1');
    const executed = await executor.finish();
    expect(ran).toEqual([]);
    expect(executed.find((done) => done.product === 'acme/a')?.detail).toBe(
      'the reconciler lease was lost: it was released',
    );
    expect(outcomes(executed)).toEqual({ 'acme/a': 'skipped', 'acme/b': 'skipped' });
  });

  it('renews its own lease that ran out while nothing ran and no rival took it, then acts', async () => {
    const store = leasedStore(NOW);
    const later = new Date(NOW.getTime() + 2 * LEASE_TTL_MS);
    const executor = leasedExecutor(
      store,
      () => later,
      async () => ({}),
    );
    executor.submit([gated('acme/a')], 'plan-1');
    expect(outcomes(await executor.finish())).toEqual({ 'acme/a': 'succeeded' });
    expect(store.lease()?.expiresAt).toBe(new Date(later.getTime() + LEASE_TTL_MS).toISOString());
  });
});

function fakeTime(): number {
  const mocked = vi.getMockedSystemTime();
  if (!mocked) throw new Error('fake timers are not installed');
  return mocked.getTime();
}

function leasedStore(now: Date): SqliteStore {
  const store = openStore(':memory:');
  stores.push(store);
  expect(store.acquireLease(RUN_ID, LEASE_TTL_MS, now)).toBe(true);
  return store;
}

function leasedExecutor(store: SqliteStore, now: () => Date, actuator: Actuator, concurrency = 4): Executor {
  return new Executor({
    store,
    context: testActuateContext(fleet, store, logger, now),
    actuators: new Map([['build.trigger', actuator]]),
    runId: RUN_ID,
    concurrency,
    lease: actionLease(store, RUN_ID),
  });
}

function deferred(): { promise: Promise<unknown>; resolve: (value: unknown) => void } {
  let resolve: (value: unknown) => void = () => undefined;
  const promise = new Promise<unknown>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
