import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
const fleet = makeFleet([{ id: 'acme/a' }, { id: 'acme/b' }]);
const logger = createLogger({ level: 'silent' });
/** A store failure whose message carries a credential, as a driver's message may. */
const STORE_FAILURE = 'SQLITE_IOERR: disk I/O error syncing https://ci:hunter2@ci.example/state';

let store: SqliteStore;
let rejections: unknown[];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeEach(() => {
  store = openStore(':memory:');
  rejections = [];
  process.on('unhandledRejection', onRejection);
});
afterEach(() => {
  process.off('unhandledRejection', onRejection);
  vi.useRealTimers();
  store.close();
});

describe('the executor when its bookkeeping fails', () => {
  it('ends an action whose intent cannot be journaled as failed, redacted, with no unhandled rejection', async () => {
    vi.spyOn(store, 'beginAction').mockImplementation(() => {
      throw new Error(STORE_FAILURE);
    });
    const ran: string[] = [];
    const executor = newExecutor(async (action) => ran.push(action.product));
    executor.submit([gated('acme/a'), gated('acme/b', ['acme/a'])], 'plan-1');
    // A pass hands actions in while it observes and asks for the outcome only later.
    await macrotasks(3);
    const executed = await executor.finish();
    await macrotasks(3);
    expect(rejections).toEqual([]);
    expect(ran).toEqual([]);
    expect(outcomes(executed)).toEqual({ 'acme/a': 'failed', 'acme/b': 'skipped' });
    const detail = executed.find((done) => done.product === 'acme/a')?.detail ?? '';
    expect(detail).toContain('SQLITE_IOERR: disk I/O error');
    expect(detail).not.toContain('hunter2');
  });

  it('ends an action whose outcome cannot be journaled as failed, with no unhandled rejection', async () => {
    vi.spyOn(store, 'finishAction').mockImplementation(() => {
      throw new Error(STORE_FAILURE);
    });
    const executor = newExecutor(async () => ({}));
    executor.submit([gated('acme/a')], 'plan-1');
    await macrotasks(3);
    const executed = await executor.finish();
    await macrotasks(3);
    expect(rejections).toEqual([]);
    expect(outcomes(executed)).toEqual({ 'acme/a': 'failed' });
    expect(executed[0]?.detail).toContain('SQLITE_IOERR');
    // The intent stays: a later run finds it abandoned and retries, as after a crash.
    expect(store.journalEntry(gated('acme/a').idempotencyKey)?.state).toBe('intent');
  });

  it('ends an action whose lease check throws as failed, with no unhandled rejection', async () => {
    store.acquireLease(RUN_ID, LEASE_TTL_MS, NOW);
    vi.spyOn(store, 'lease').mockImplementation(() => {
      throw new Error(STORE_FAILURE);
    });
    const ran: string[] = [];
    const executor = newExecutor(async (action) => ran.push(action.product), true);
    executor.submit([gated('acme/a')], 'plan-1');
    await macrotasks(3);
    const executed = await executor.finish();
    expect(rejections).toEqual([]);
    expect(ran).toEqual([]);
    expect(outcomes(executed)).toEqual({ 'acme/a': 'failed' });
  });

  it('logs a lease renewal that throws from its timer instead of crashing, and the action still ends', async () => {
    vi.useFakeTimers({ now: NOW });
    store.acquireLease(RUN_ID, LEASE_TTL_MS, NOW);
    const renewals = vi.spyOn(store, 'renewLease').mockImplementation(() => {
      throw new Error(STORE_FAILURE);
    });
    let finishApply: (value: unknown) => void = () => undefined;
    const applying = new Promise((resolve) => {
      finishApply = resolve;
    });
    const executor = newExecutor(() => applying, true);
    executor.submit([gated('acme/a')], 'plan-1');
    await vi.advanceTimersByTimeAsync(LEASE_TTL_MS / 2);
    expect(renewals.mock.calls.length).toBeGreaterThanOrEqual(3);
    finishApply({});
    expect(outcomes(await executor.finish())).toEqual({ 'acme/a': 'succeeded' });
    expect(rejections).toEqual([]);
  });
});

async function macrotasks(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

function newExecutor(actuator: Actuator, leased = false): Executor {
  const now = () => NOW;
  return new Executor({
    store,
    context: testActuateContext(fleet, store, logger, now),
    actuators: new Map([['build.trigger', actuator]]),
    runId: RUN_ID,
    concurrency: 2,
    lease: leased ? actionLease(store, RUN_ID) : undefined,
  });
}
