import { describe, expect, it } from 'vitest';
import type { Condition } from '../../src/store/store.js';
import { at, cleanUpStoresAfterEach, reopen, tempStore } from './store-fixtures.js';

cleanUpStoresAfterEach();

function condition(type: Condition['type'], status: Condition['status'], reason: string): Condition {
  return {
    type,
    status,
    reason,
    message: `${type} is ${status}`,
    lastTransitionTime: at(0).toISOString(),
    observedRevision: 'rev1',
  };
}

describe('conditions', () => {
  it('round-trip per product, in the order they were given, across reopening', () => {
    const { store, path } = tempStore();
    const widget = [condition('Ready', 'False', 'Building'), condition('Reconciling', 'True', 'Progressing')];
    const portal = [condition('Stalled', 'True', 'BuildFailed')];
    store.setConditions('acme/widget', widget);
    store.setConditions('globex/portal', portal);
    store.close();
    const again = reopen(path, { readonly: true });
    expect(again.conditions()).toEqual(
      new Map([
        ['acme/widget', widget],
        ['globex/portal', portal],
      ]),
    );
    expect(again.conditions('globex/portal')).toEqual(new Map([['globex/portal', portal]]));
    expect(again.conditions('nobody/here')).toEqual(new Map());
  });

  it('are replaced as a whole for one product, leaving the others', () => {
    const { store } = tempStore();
    store.setConditions('acme/widget', [
      condition('Ready', 'False', 'Building'),
      condition('Reconciling', 'True', 'Progressing'),
    ]);
    store.setConditions('globex/portal', [condition('Ready', 'True', 'Converged')]);
    store.setConditions('acme/widget', [condition('Ready', 'True', 'Converged')]);
    expect(store.conditions().get('acme/widget')).toEqual([condition('Ready', 'True', 'Converged')]);
    expect(store.conditions().get('globex/portal')).toHaveLength(1);
    store.setConditions('acme/widget', []);
    expect(store.conditions().has('acme/widget')).toBe(false);
  });

  it('refuse two conditions of one type and keep the previous ones', () => {
    const { store } = tempStore();
    store.setConditions('acme/widget', [condition('Ready', 'True', 'Converged')]);
    expect(() =>
      store.setConditions('acme/widget', [condition('Ready', 'False', 'A'), condition('Ready', 'True', 'B')]),
    ).toThrow(/UNIQUE/);
    expect(store.conditions().get('acme/widget')).toEqual([condition('Ready', 'True', 'Converged')]);
  });
});
