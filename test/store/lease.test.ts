import { describe, expect, it } from 'vitest';
import { at, cleanUpStoresAfterEach, reopen, tempStore } from './store-fixtures.js';

cleanUpStoresAfterEach();

describe('the reconciler lease', () => {
  it('is held by one owner at a time until it expires', () => {
    const { store, path } = tempStore();
    const other = reopen(path);
    expect(store.acquireLease('one', 30_000, at(0))).toBe(true);
    expect(other.acquireLease('two', 30_000, at(29))).toBe(false);
    expect(other.acquireLease('two', 30_000, at(30))).toBe(true);
    expect(store.lease()).toEqual({
      owner: 'two',
      acquiredAt: at(30).toISOString(),
      expiresAt: at(60).toISOString(),
    });
  });

  it('is re-acquired and renewed by its owner, keeping when it was first taken', () => {
    const { store } = tempStore();
    store.acquireLease('one', 10_000, at(0));
    expect(store.acquireLease('one', 10_000, at(5))).toBe(true);
    expect(store.renewLease('one', 10_000, at(9))).toBe(true);
    expect(store.lease()).toEqual({
      owner: 'one',
      acquiredAt: at(0).toISOString(),
      expiresAt: at(19).toISOString(),
    });
    expect(store.acquireLease('two', 10_000, at(18))).toBe(false);
  });

  it('cannot be renewed or released by anyone but its holder', () => {
    const { store } = tempStore();
    store.acquireLease('one', 10_000, at(0));
    expect(store.renewLease('two', 10_000, at(1))).toBe(false);
    expect(store.releaseLease('two')).toBe(false);
    expect(store.releaseLease('one')).toBe(true);
    expect(store.lease()).toBeUndefined();
    expect(store.renewLease('one', 10_000, at(2))).toBe(false);
    expect(store.acquireLease('two', 10_000, at(2))).toBe(true);
  });
});
