import { describe, expect, it } from 'vitest';
import { at, cleanUpStoresAfterEach, reopen, tempStore } from './store-fixtures.js';

cleanUpStoresAfterEach();

describe('observations', () => {
  it('keep the latest value per product and facet, as JSON, across reopening', () => {
    const { store, path } = tempStore();
    store.saveObservation('acme/widget', 'build', { head: 'abc', green: false, when: at(0) }, at(0));
    store.saveObservation('acme/widget', 'build', { head: 'def', green: true }, at(5));
    store.saveObservation('acme/widget', 'docs', ['index.md'], at(1));
    store.close();
    const again = reopen(path);
    expect(again.observation('acme/widget', 'build')).toEqual({
      value: { head: 'def', green: true },
      observedAt: at(5).toISOString(),
    });
    expect(again.observation('acme/widget', 'docs')).toEqual({
      value: ['index.md'],
      observedAt: at(1).toISOString(),
    });
    expect(again.observation('acme/widget', 'infra')).toBeUndefined();
  });

  it('are not rolled back by an older observation that arrives late', () => {
    const { store } = tempStore();
    store.saveObservation('acme/widget', 'build', 'new', at(10));
    store.saveObservation('acme/widget', 'build', 'old', at(5));
    expect(store.observation('acme/widget', 'build')).toEqual({
      value: 'new',
      observedAt: at(10).toISOString(),
    });
  });

  it('store null and undefined values as null', () => {
    const { store } = tempStore();
    store.saveObservation('acme/widget', 'build', undefined, at(0));
    expect(store.observation('acme/widget', 'build')?.value).toBeNull();
  });
});

describe('plans', () => {
  it('round-trip by id, and a second save of the same id keeps the first', () => {
    const { store, path } = tempStore();
    const plan = {
      id: 'p1',
      actions: [{ kind: 'build.trigger', params: { ref: 'main' } }],
      nothing: undefined,
    };
    store.savePlan('p1', plan, at(0));
    store.savePlan('p1', { id: 'p1', actions: [] }, at(1));
    store.close();
    expect(reopen(path).plan('p1')).toEqual({
      id: 'p1',
      actions: [{ kind: 'build.trigger', params: { ref: 'main' } }],
    });
    expect(reopen(path).plan('p2')).toBeUndefined();
  });
});
