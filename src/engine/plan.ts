import { createHash } from 'node:crypto';
import type { Action } from '../actions/action.js';
import { canonicalJson } from '../actions/canonical.js';
import { ACTION_KINDS } from '../actions/kinds.js';
import type { FacetPlan, ProductObservation } from '../facets/facet.js';
import { FACETS } from '../facets/index.js';
import type { FacetName, Fleet, Product } from '../fleet/model.js';
import type { JournalEntry } from '../store/store.js';
import { productOrder } from './order.js';
import type { Orphan, ProductPlanStatus } from './plan-model.js';

export interface PlanningInput {
  fleet: Fleet;
  observations: ReadonlyMap<string, ProductObservation>;
  orphans: Orphan[];
  now: Date;
  journal(idempotencyKey: string): JournalEntry | undefined;
}

/** Actions in execution order with ids and dependencies, and each product's facet status. */
export interface ProposedPlan {
  actions: Action[];
  /** The same actions, one list per product, in order. */
  groups: Action[][];
  products: ProductPlanStatus[];
}

/** Stable action id: a change to what the action does gives a new id (and voids its approvals). */
export function actionId(action: Pick<Action, 'product' | 'kind' | 'params' | 'idempotencyKey'>): string {
  const content = canonicalJson({
    product: action.product,
    kind: action.kind,
    params: action.params,
    key: action.idempotencyKey,
  });
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

/**
 * Diff: asks every configured facet of every product what to do about what was observed, then
 * links the actions across products (dependsOn) and facets (what each facet `needs`).
 */
export function proposeActions(input: PlanningInput): ProposedPlan {
  const order = productOrder(input.fleet);
  const byProduct = new Map<string, Action[]>();
  const products: ProductPlanStatus[] = [];
  for (const id of order) {
    const product = input.fleet.products.get(id) as Product;
    const { actions, status } = planProduct(product, input);
    byProduct.set(id, actions);
    products.push(status);
  }
  for (const orphan of input.orphans) {
    if (!orphan.prune) continue;
    const prune = pruneAction(orphan);
    byProduct.set(orphan.product, [prune]);
  }
  linkAcrossProducts(input.fleet, byProduct);
  // Products come in dependency order and each product's actions in registry order, where a facet
  // comes after the facets it needs: an action only ever waits on earlier ones.
  const actions: Action[] = [];
  const groups: Action[][] = [];
  for (const list of byProduct.values()) {
    if (list.length === 0) continue;
    groups.push(list);
    for (const action of list) actions.push(action);
  }
  return { actions, groups, products };
}

/** One product's proposals and facet status (pure). */
export function planProduct(
  product: Product,
  input: PlanningInput,
): { actions: Action[]; status: ProductPlanStatus } {
  const observation = input.observations.get(product.id);
  const status: ProductPlanStatus = {
    product: product.id,
    suspended: product.manifest.spec.suspend === true,
    facets: {},
  };
  const actions: Action[] = [];
  const keyToId = new Map<string, string>();
  // Each facet's action ids, for the facets that need them: a deploy waits on its build and infra.
  const idsOf = new Map<FacetName, string[]>();
  for (const facet of FACETS.values()) {
    if (!facet.configured(product)) continue;
    const observed = observation?.facets[facet.name];
    if (!observed) {
      status.facets[facet.name] = { state: 'error', reason: 'NotObserved', message: 'not observed yet' };
      continue;
    }
    if (!observed.ok) {
      const { reason, message, next } = observed.error;
      status.facets[facet.name] = { state: 'error', reason, message, next };
      continue;
    }
    const planned: FacetPlan = facet.plan(product, observed.value, {
      fleet: input.fleet,
      now: input.now,
      journal: input.journal,
    });
    status.facets[facet.name] = planned.status;
    const needed = facet.needs.flatMap((need) => idsOf.get(need) ?? []);
    const ids: string[] = [];
    for (const proposal of planned.actions) {
      const { after, ...rest } = proposal;
      const action: Action = { ...rest, product: product.id, facet: facet.name, id: '', dependsOn: [] };
      action.id = actionId(action);
      keyToId.set(action.idempotencyKey, action.id);
      action.dependsOn = [
        ...needed,
        ...(after ?? []).map((key) => keyToId.get(key)).filter((id): id is string => id !== undefined),
      ];
      ids.push(action.id);
      actions.push(action);
    }
    idsOf.set(facet.name, ids);
  }
  return { actions, status };
}

/** Every action of a product waits for the actions of the products it depends on. */
function linkAcrossProducts(fleet: Fleet, byProduct: Map<string, Action[]>): void {
  for (const [id, actions] of byProduct) {
    const deps = fleet.products.get(id)?.manifest.spec.dependsOn ?? [];
    if (deps.length === 0 || actions.length === 0) continue;
    const upstream = deps.flatMap((dep) => byProduct.get(dep) ?? []).map((action) => action.id);
    if (upstream.length === 0) continue;
    byProduct.set(id, linkActions(actions, upstream));
  }
}

/** A product's actions, each also waiting on the given upstream actions (new objects). */
export function linkActions(actions: Action[], upstream: string[]): Action[] {
  return actions.map((action) => ({
    ...action,
    dependsOn: [...new Set([...upstream, ...action.dependsOn])],
  }));
}

/** The action that prunes an orphan whose spec asked for it. */
export function pruneAction(orphan: Orphan): Action {
  const action: Action = {
    id: '',
    product: orphan.product,
    facet: ACTION_KINDS['product.prune'] as 'product',
    kind: 'product.prune',
    params: { product: orphan.product },
    reason: `${orphan.product} was removed from the fleet and its spec asked to be pruned`,
    dependsOn: [],
    idempotencyKey: `product.prune:${orphan.product}@${orphan.lastSeenRevision ?? 'unversioned'}`,
    changeClass: 'destroy',
  };
  action.id = actionId(action);
  return action;
}
