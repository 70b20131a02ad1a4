import type { GatedAction } from '../actions/action.js';
import { evaluate } from '../constitution/evaluate.js';
import type { ProductObservation } from '../facets/facet.js';
import type { Product } from '../fleet/model.js';
import { gateSubject, observedStates, ownBlockers } from './gate.js';
import { planProduct } from './plan.js';
import type { Runtime } from './runtime.js';

/**
 * A product's actions gated on its own observation, the moment it is observed, so that a loop
 * starts acting on the first products while the rest of the fleet is still being observed (a
 * fleet of hundreds would otherwise wait for the slowest observation before its first build).
 * The same verdicts and blockers the whole plan gives these actions, with two exceptions that
 * only ever hold an action back: an approval of the whole plan is not looked at (there is no plan
 * id yet), and a product that depends on other products gets nothing here (its actions wait on
 * theirs, which only the whole plan links). What is held back here is decided by the plan.
 */
export function gateProductEarly(
  runtime: Pick<Runtime, 'fleet' | 'store'>,
  product: Product,
  observation: ProductObservation,
  now: Date,
): GatedAction[] {
  const { fleet, store } = runtime;
  if ((product.manifest.spec.dependsOn ?? []).some((dep) => fleet.products.has(dep))) return [];
  const journal = (key: string) => store.journalEntry(key);
  const observations = new Map([[product.id, observation]]);
  const { actions } = planProduct(product, { fleet, observations, orphans: [], now, journal });
  if (actions.length === 0) return [];
  const constitution = fleet.constitution.manifest.spec;
  const states = observedStates(observation);
  const approvals = store.approvals(actions.map((action) => action.id));
  const gated: GatedAction[] = [];
  const ids = new Set<string>();
  for (const action of actions) {
    const verdict = evaluate(constitution, gateSubject(fleet, action, undefined, states), now);
    const blockedBy = ownBlockers({ fleet, journal, now }, action, verdict, approvals, null);
    const waitingOn = action.dependsOn.filter((dep) => ids.has(dep));
    if (waitingOn.length > 0) blockedBy.push({ type: 'waiting-on', actions: waitingOn });
    gated.push({ ...action, verdict, blockedBy });
    ids.add(action.id);
  }
  return gated;
}
