import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions/action.js';
import type { ProductResult } from '../../src/engine/product.js';
import { viewReleases } from '../../src/server/api/releases.js';
import { openStore } from '../../src/store/sqlite.js';
import { TEST_NOW } from '../helpers/clock.js';

function observed(release: Record<string, unknown> | undefined): ProductResult {
  const facets = release ? { release: { ok: true, value: release, observedAt: TEST_NOW.toISOString() } } : {};
  return { observation: { product: 'acme/lib', facets } } as unknown as ProductResult;
}

const cut: Action = {
  id: 'c1',
  product: 'acme/lib',
  facet: 'release',
  kind: 'release.cut',
  params: { version: '1.1.0' },
  reason: 'release 1.1.0',
  dependsOn: [],
  idempotencyKey: 'release.cut:acme/lib:1.1.0',
  changeClass: 'publish',
};

describe('the release view of GET /api/products', () => {
  it('shows the next release with its notes while one is due, the last cut notes after, null for a product that does not release', () => {
    const store = openStore(':memory:');
    try {
      const due = observed({
        latest: { version: '1.0.0' },
        next: { why: 'feat in 1 commit: minor' },
        cut: { version: '1.1.0', notes: '## 1.1.0 (2026-11-26)\n' },
      });
      expect(viewReleases(store, 'acme/lib', due)).toEqual({
        latest: '1.0.0',
        next: '1.1.0',
        why: 'feat in 1 commit: minor',
        notes: '## 1.1.0 (2026-11-26)\n',
      });

      store.beginAction(cut, { planId: null, runId: 'r1', now: TEST_NOW });
      store.finishAction(
        cut.idempotencyKey,
        { state: 'succeeded', result: { version: '1.1.0', notes: 'cut notes' } },
        TEST_NOW,
      );
      const after = observed({
        latest: { version: '1.1.0' },
        next: { why: 'no commit since v1.1.0 releases anything' },
      });
      expect(viewReleases(store, 'acme/lib', after)).toEqual({
        latest: '1.1.0',
        next: null,
        why: 'no commit since v1.1.0 releases anything',
        notes: 'cut notes',
      });
      expect(viewReleases(store, 'acme/lib', observed(undefined))).toBeNull();
      expect(viewReleases(store, 'acme/lib', undefined)).toBeNull();
    } finally {
      store.close();
    }
  });
});
