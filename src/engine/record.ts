import type { GatedAction } from '../actions/action.js';
import { canonicalJson } from '../actions/canonical.js';
import { gateInputsHash } from '../constitution/inputs.js';
import type { ProductObservation } from '../facets/facet.js';
import { FACETS } from '../facets/index.js';
import type { Product } from '../fleet/model.js';
import type { Condition, Decision, StateStore } from '../store/store.js';
import { productConditions } from './conditions.js';
import { gateSubject, runnableIds } from './gate.js';
import type { Orphan, ProductPlanStatus } from './plan-model.js';
import type { Runtime } from './runtime.js';

/**
 * Record: what the reconciler saw and decided, written before anything is acted on, and the
 * status written once at the end. Each function writes in one commit.
 */

/** The state learns which products the fleet has now, and when the others were removed from it. */
export function syncProducts(runtime: Runtime, now: Date): void {
  const seen = [...runtime.fleet.products.values()].map((product) => ({
    id: product.id,
    prune: product.manifest.spec.prune === true,
  }));
  runtime.store.syncProducts(seen, runtime.fleet.revision, now);
}

/** Products the state knows that the fleet no longer has (read only: syncProducts writes). */
export function findOrphans(runtime: Pick<Runtime, 'fleet' | 'store'>): Orphan[] {
  const records = runtime.store.products().filter((record) => !runtime.fleet.products.has(record.id));
  return records.map((record) => ({
    product: record.id,
    orphanedAt: record.orphanedAt,
    lastSeenRevision: record.lastSeenRevision,
    prune: record.prune,
  }));
}

export function cacheObservations(
  store: StateStore,
  observations: Iterable<ProductObservation>,
  now: Date,
): void {
  const entries: { product: string; facet: string; value: unknown }[] = [];
  for (const observation of observations) {
    for (const [facet, value] of Object.entries(observation.facets))
      entries.push({ product: observation.product, facet, value });
  }
  store.saveObservations(entries, now);
}

/** What the last reconcile cached of each product's facets (`plan --cached`). */
export function cachedObservations(store: StateStore, products: Product[]): Map<string, ProductObservation> {
  const observations = new Map<string, ProductObservation>();
  for (const product of products) {
    const observation: ProductObservation = { product: product.id, facets: {} };
    for (const facet of FACETS.keys()) {
      const cached = store.observation(product.id, facet);
      if (cached) observation.facets[facet] = cached.value as ProductObservation['facets'][typeof facet];
    }
    observations.set(product.id, observation);
  }
  return observations;
}

/**
 * A decision log entry per gated action (action, inputs hash, constitution revision, verdict),
 * one per action and distinct verdict: a loop that looks every few seconds does not repeat itself.
 */
export function recordDecisions(
  runtime: Runtime,
  actions: readonly GatedAction[],
  constitutionRevision: string,
  observations: ReadonlyMap<string, ProductObservation>,
  now: Date,
): void {
  const decisions: Decision[] = [];
  for (const action of actions) {
    const fingerprint = `${constitutionRevision}\u0000${canonicalJson(action.verdict)}`;
    if (lastDecision(runtime, action.id) === fingerprint) continue;
    const subject = gateSubject(runtime.fleet, action, observations.get(action.product));
    decisions.push({
      actionId: action.id,
      product: action.product,
      kind: action.kind,
      inputsHash: gateInputsHash(subject, constitutionRevision, now),
      constitutionRevision,
      verdict: action.verdict,
      at: now.toISOString(),
    });
  }
  runtime.store.recordDecisions(decisions);
}

function lastDecision(runtime: Runtime, actionId: string): string | undefined {
  const [last] = runtime.store.decisions({ actionId, limit: 1 });
  return last ? `${last.constitutionRevision}\u0000${canonicalJson(last.verdict)}` : undefined;
}

/** Each product's conditions from its status and gated actions; only the changed ones are written, in one commit. */
export function writeConditions(
  runtime: Pick<Runtime, 'store'>,
  products: readonly { status: ProductPlanStatus; actions: readonly GatedAction[] }[],
  revision: string | null,
  now: Date,
): Map<string, Condition[]> {
  const only = products.length === 1 ? products[0]?.status.product : undefined;
  const previous = runtime.store.conditions(only);
  const written = new Map<string, Condition[]>();
  const changed = new Map<string, Condition[]>();
  for (const { status, actions } of products) {
    const before = previous.get(status.product);
    const conditions = productConditions(status, [...actions], runnableIds(actions), revision, before, now);
    if (!before || !sameConditions(conditions, before)) changed.set(status.product, conditions);
    written.set(status.product, conditions);
  }
  runtime.store.setConditionsOf(changed);
  return written;
}

function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return (
    a.length === b.length &&
    a.every((condition, index) => {
      const other = b[index] as Condition;
      return (
        condition.type === other.type &&
        condition.status === other.status &&
        condition.reason === other.reason &&
        condition.message === other.message &&
        condition.lastTransitionTime === other.lastTransitionTime &&
        condition.observedRevision === other.observedRevision
      );
    })
  );
}
