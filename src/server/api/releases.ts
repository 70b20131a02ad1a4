import type { ProductResult } from '../../engine/product.js';
import type { ReleaseObservation } from '../../facets/release/observe.js';
import type { StateStore } from '../../store/store.js';

/** How many journal entries of a product are read to find its newest release. */
const JOURNAL_LOOKBACK = 200;

/** A product's releases as `GET /api/products` shows them. */
export interface ReleaseView {
  /** The newest release reachable from its branch, as its last reconcile saw it. */
  latest: string | null;
  /** The version its commits call for, null when nothing is releasable. */
  next: string | null;
  /** Why (which commits decided the bump). */
  why: string | null;
  /** The next release's notes while one is due, else those of the newest release the reconciler cut. */
  notes: string | null;
}

/** The release view of a product, or null when it does not release (or was not observed yet). */
export function viewReleases(
  store: StateStore,
  id: string,
  result: ProductResult | undefined,
): ReleaseView | null {
  const observed = result?.observation?.facets.release;
  if (!observed?.ok) return null;
  const release = observed.value as ReleaseObservation;
  return {
    latest: release.latest?.version ?? null,
    next: release.cut?.version ?? null,
    why: release.next.why,
    notes: release.cut?.notes ?? lastCutNotes(store, id),
  };
}

/** The notes the newest succeeded `release.cut` of the product returned (its journal result). */
function lastCutNotes(store: StateStore, id: string): string | null {
  const entries = store.journal({ product: id, limit: JOURNAL_LOOKBACK });
  for (const entry of entries) {
    if (entry.kind !== 'release.cut' || entry.state !== 'succeeded') continue;
    const notes = (entry.result as { notes?: unknown } | null)?.notes;
    if (typeof notes === 'string') return notes;
  }
  return null;
}
