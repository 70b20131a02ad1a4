import { describe, expect, it } from 'vitest';
import { CodemonkeysError } from '../../src/errors.js';
import { action, at, cleanUpStoresAfterEach, run, tempStore } from './store-fixtures.js';

cleanUpStoresAfterEach();

const transient = { message: 'connection reset', reason: 'NetworkError', next: 'transient' } as const;
const stalled = { message: 'tests fail', reason: 'BuildFailed', next: 'stalled' } as const;

describe('beginAction', () => {
  it('writes an intent for a new key: first attempt, started now, audited as action.intent', () => {
    const { store } = tempStore();
    const outcome = store.beginAction(action('k1'), run(0));
    expect(outcome.status).toBe('started');
    expect(outcome.entry).toMatchObject({
      idempotencyKey: 'k1',
      actionId: 'id-k1',
      product: 'acme/widget',
      kind: 'build.trigger',
      planId: 'plan-1',
      runId: 'run-1',
      state: 'intent',
      attempts: 1,
      startedAt: at(0).toISOString(),
      finishedAt: null,
      result: null,
      error: null,
      retryAt: null,
    });
    expect(store.journalEntry('k1')).toEqual(outcome.entry);
    const [entry] = store.audit();
    expect(entry).toMatchObject({ seq: 1, type: 'action.intent', product: 'acme/widget', actionId: 'id-k1' });
    expect(entry?.data).toMatchObject({ idempotencyKey: 'k1', attempt: 1, runId: 'run-1' });
  });

  it('reports a key whose intent is still open as in-flight and writes nothing', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    const again = store.beginAction(action('k1'), run(5, 'run-2'));
    expect(again.status).toBe('in-flight');
    expect(again.entry).toMatchObject({ state: 'intent', attempts: 1, runId: 'run-1' });
    expect(store.audit()).toHaveLength(1);
  });

  it('never starts a key that succeeded again', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    store.finishAction('k1', { state: 'succeeded', result: { build: 7 } }, at(1));
    const again = store.beginAction(action('k1'), run(100, 'run-2'));
    expect(again.status).toBe('already-succeeded');
    expect(again.entry).toMatchObject({ state: 'succeeded', attempts: 1, result: { build: 7 } });
    expect(store.audit().map((entry) => entry.type)).toEqual(['action.intent', 'action.succeeded']);
  });

  it('reports a failure without retryAt as stalled, for ever', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    store.finishAction('k1', { state: 'failed', error: stalled, retryAt: null }, at(1));
    expect(store.beginAction(action('k1'), run(10_000)).status).toBe('stalled');
  });

  it('backs off until retryAt, then re-opens the key as a new attempt', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    store.finishAction('k1', { state: 'failed', error: transient, retryAt: at(60).toISOString() }, at(1));
    expect(store.beginAction(action('k1'), run(59)).status).toBe('backing-off');
    const retry = store.beginAction(action('k1', { id: 'id-k1-v2' }), run(60, 'run-2'));
    expect(retry.status).toBe('started');
    expect(retry.entry).toMatchObject({
      state: 'intent',
      attempts: 2,
      actionId: 'id-k1-v2',
      runId: 'run-2',
      startedAt: at(60).toISOString(),
      finishedAt: null,
      error: null,
      retryAt: null,
    });
    expect(store.audit().map((entry) => [entry.type, (entry.data as { attempt: number }).attempt])).toEqual([
      ['action.intent', 1],
      ['action.failed', 1],
      ['action.intent', 2],
    ]);
  });

  it('counts attempts across several failures and a final success', () => {
    const { store } = tempStore();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(store.beginAction(action('k1'), run(attempt * 10)).status).toBe('started');
      store.finishAction(
        'k1',
        { state: 'failed', error: transient, retryAt: at(attempt * 10 + 5).toISOString() },
        at(attempt * 10 + 1),
      );
    }
    expect(store.beginAction(action('k1'), run(30)).entry.attempts).toBe(4);
    expect(store.finishAction('k1', { state: 'succeeded' }, at(31))).toMatchObject({
      state: 'succeeded',
      attempts: 4,
      result: null,
      error: null,
    });
  });

  it('keeps one row per idempotency key, whatever the action id', () => {
    const { store } = tempStore();
    store.beginAction(action('shared', { id: 'a' }), run(0));
    expect(store.beginAction(action('shared', { id: 'b' }), run(1)).status).toBe('in-flight');
    expect(store.journal()).toHaveLength(1);
  });
});

describe('finishAction', () => {
  it('records a failure with its error and normalized retry time', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    const entry = store.finishAction(
      'k1',
      { state: 'failed', error: transient, retryAt: '2030-01-01T13:00:00Z' },
      at(2),
    );
    expect(entry).toMatchObject({
      state: 'failed',
      error: transient,
      retryAt: '2030-01-01T13:00:00.000Z',
      finishedAt: at(2).toISOString(),
    });
    expect(store.audit().at(-1)).toMatchObject({ type: 'action.failed', data: { error: transient } });
  });

  it.each([
    ['a key the journal does not have', 'JournalEntryMissing', () => {}],
    [
      'a key that already finished',
      'ActionNotInFlight',
      (store: ReturnType<typeof tempStore>['store']) => {
        store.beginAction(action('k1'), run(0));
        store.finishAction('k1', { state: 'succeeded' }, at(1));
      },
    ],
  ])('refuses to finish %s', (_label, reason, setup) => {
    const { store } = tempStore();
    setup(store);
    const finish = () => store.finishAction('k1', { state: 'succeeded' }, at(2));
    expect(finish).toThrow(CodemonkeysError);
    expect(finish).toThrow(expect.objectContaining({ reason }));
    expect(store.audit().filter((entry) => entry.type === 'action.succeeded').length).toBeLessThanOrEqual(1);
  });

  it('refuses a retryAt that is not a time, and writes nothing', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    expect(() =>
      store.finishAction('k1', { state: 'failed', error: transient, retryAt: 'soon' }, at(1)),
    ).toThrow(/not a time/);
    expect(store.journalEntry('k1')?.state).toBe('intent');
    expect(store.audit()).toHaveLength(1);
  });
});

describe('markAbandoned', () => {
  it('turns a dead intent into a transient Abandoned failure due now, so the next begin retries it', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    const entry = store.markAbandoned('k1', at(30));
    expect(entry).toMatchObject({
      state: 'failed',
      error: { reason: 'Abandoned', next: 'transient' },
      retryAt: at(30).toISOString(),
      finishedAt: at(30).toISOString(),
    });
    expect(store.audit().at(-1)).toMatchObject({
      type: 'action.failed',
      data: { error: { reason: 'Abandoned' } },
    });
    const retry = store.beginAction(action('k1'), run(30, 'run-2'));
    expect(retry).toMatchObject({ status: 'started', entry: { attempts: 2, runId: 'run-2' } });
  });

  it('refuses an entry that is not in flight', () => {
    const { store } = tempStore();
    store.beginAction(action('k1'), run(0));
    store.finishAction('k1', { state: 'succeeded' }, at(1));
    expect(() => store.markAbandoned('k1', at(2))).toThrow(
      expect.objectContaining({ reason: 'ActionNotInFlight' }),
    );
    expect(store.journalEntry('k1')?.state).toBe('succeeded');
  });
});

describe('journal listing', () => {
  it('lists entries oldest first, filters by product and keeps the newest with a limit', () => {
    const { store } = tempStore();
    store.beginAction(action('a'), run(0));
    store.beginAction(action('b', { product: 'globex/portal' }), run(1));
    store.beginAction(action('c'), run(2));
    expect(store.journal().map((entry) => entry.idempotencyKey)).toEqual(['a', 'b', 'c']);
    expect(store.journal({ product: 'acme/widget' }).map((entry) => entry.idempotencyKey)).toEqual([
      'a',
      'c',
    ]);
    expect(store.journal({ limit: 2 }).map((entry) => entry.idempotencyKey)).toEqual(['b', 'c']);
    expect(store.journalEntry('missing')).toBeUndefined();
  });
});
