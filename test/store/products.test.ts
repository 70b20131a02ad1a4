import { describe, expect, it } from 'vitest';
import { at, cleanUpStoresAfterEach, tempStore } from './store-fixtures.js';

cleanUpStoresAfterEach();

const widget = { id: 'acme/widget', prune: false };
const portal = { id: 'globex/portal', prune: true };

describe('syncProducts', () => {
  it('records new products with the revision they were first and last seen at', () => {
    const { store } = tempStore();
    expect(store.syncProducts([widget, portal], 'rev1', at(0))).toEqual([]);
    store.syncProducts([widget, { ...portal, prune: false }], 'rev2', at(1));
    expect(store.products()).toEqual([
      {
        id: 'acme/widget',
        firstSeenRevision: 'rev1',
        lastSeenRevision: 'rev2',
        prune: false,
        orphanedAt: null,
      },
      {
        id: 'globex/portal',
        firstSeenRevision: 'rev1',
        lastSeenRevision: 'rev2',
        prune: false,
        orphanedAt: null,
      },
    ]);
  });

  it('returns a product missing from the fleet as an orphan, orphaned when first missed', () => {
    const { store } = tempStore();
    store.syncProducts([widget, portal], 'rev1', at(0));
    const first = store.syncProducts([widget], 'rev2', at(10));
    expect(first).toEqual([
      {
        id: 'globex/portal',
        firstSeenRevision: 'rev1',
        lastSeenRevision: 'rev1',
        prune: true,
        orphanedAt: at(10).toISOString(),
      },
    ]);
    const later = store.syncProducts([widget], 'rev3', at(20));
    expect(later).toEqual(first);
  });

  it('audits product.orphaned once, however many passes miss the product', () => {
    const { store } = tempStore();
    store.syncProducts([widget, portal], 'rev1', at(0));
    store.syncProducts([widget], 'rev2', at(10));
    store.syncProducts([widget], 'rev3', at(20));
    const orphaned = store.audit().filter((entry) => entry.type === 'product.orphaned');
    expect(orphaned).toHaveLength(1);
    expect(orphaned[0]).toMatchObject({
      product: 'globex/portal',
      at: at(10).toISOString(),
      data: { revision: 'rev2', lastSeenRevision: 'rev1', prune: true },
    });
  });

  it('clears orphanedAt when the product is back, and audits it anew if it goes again', () => {
    const { store } = tempStore();
    store.syncProducts([widget, portal], 'rev1', at(0));
    store.syncProducts([widget], 'rev2', at(10));
    expect(store.syncProducts([widget, portal], 'rev3', at(20))).toEqual([]);
    expect(store.products().find((product) => product.id === 'globex/portal')).toMatchObject({
      orphanedAt: null,
      lastSeenRevision: 'rev3',
    });
    store.syncProducts([widget], 'rev4', at(30));
    expect(store.audit().filter((entry) => entry.type === 'product.orphaned')).toHaveLength(2);
  });

  it('treats an empty fleet as every known product missing', () => {
    const { store } = tempStore();
    store.syncProducts([widget, portal], null, at(0));
    expect(store.syncProducts([], null, at(1)).map((product) => product.id)).toEqual([
      'acme/widget',
      'globex/portal',
    ]);
  });
});

describe('forgetProduct', () => {
  it('drops the record, observations and conditions but keeps journal and audit', () => {
    const { store } = tempStore();
    store.syncProducts([widget, portal], 'rev1', at(0));
    store.saveObservation('globex/portal', 'build', { green: true }, at(1));
    store.setConditions('globex/portal', [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Converged',
        message: 'ok',
        lastTransitionTime: at(1).toISOString(),
        observedRevision: 'rev1',
      },
    ]);
    store.syncProducts([widget], 'rev2', at(2));
    store.forgetProduct('globex/portal', at(3));
    expect(store.products().map((product) => product.id)).toEqual(['acme/widget']);
    expect(store.observation('globex/portal', 'build')).toBeUndefined();
    expect(store.conditions().has('globex/portal')).toBe(false);
    expect(store.audit().at(-1)).toMatchObject({
      type: 'product.forgotten',
      product: 'globex/portal',
      data: { known: true, observations: 1 },
    });
    expect(store.verifyAudit().ok).toBe(true);
  });
});
