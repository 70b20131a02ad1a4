import type { Action, Verdict } from '../actions/action.js';
import type { ProductObservation } from '../facets/facet.js';
import type { ConstitutionSpec, Fleet, Product } from '../fleet/model.js';
import type { ProductPlanStatus } from './plan-model.js';

interface Proposal {
  observation: ProductObservation | undefined;
  actions: Action[];
  status: ProductPlanStatus;
}

interface CachedGroup {
  key: string;
  validUntil: number;
  verdicts: Verdict[];
  hashes: string[];
}

/**
 * What planning can reuse from one plan to the next, so that re-planning a large fleet after
 * one change redoes the work for that change only: a product's proposals while the product
 * (same object, see LoadCache) and its observation are the same; its linked actions while the
 * actions upstream are the same; its verdicts and content hashes while its action list, the
 * constitution and what the constitution reads of it are the same and no time boundary (a
 * minute, for schedules; an exception's expiry) has passed; the product order while the
 * fleet's shape is the same.
 */
export class PlanCache {
  readonly #proposals = new WeakMap<Product, Proposal>();
  readonly #groups = new WeakMap<Action[], CachedGroup>();
  readonly #linked = new WeakMap<Action[], { upstream: string; actions: Action[] }>();
  #order: { token: number; order: string[] } | undefined;

  proposal(product: Product, observation: ProductObservation | undefined): Proposal | undefined {
    const cached = this.#proposals.get(product);
    return cached && cached.observation === observation ? cached : undefined;
  }

  rememberProposal(product: Product, proposal: Proposal): void {
    this.#proposals.set(product, proposal);
  }

  /** A product's verdicts and content hashes, while its actions (same list), inputs and time validity hold. */
  group(actions: Action[], key: string, now: Date): { verdicts: Verdict[]; hashes: string[] } | undefined {
    const cached = this.#groups.get(actions);
    return cached && cached.key === key && now.getTime() < cached.validUntil ? cached : undefined;
  }

  rememberGroup(
    actions: Action[],
    key: string,
    validUntil: number,
    verdicts: Verdict[],
    hashes: string[],
  ): void {
    this.#groups.set(actions, { key, validUntil, verdicts, hashes });
  }

  /** A product's actions linked to the actions they wait on upstream, rebuilt only when those change. */
  linked(actions: Action[], upstream: string[], link: () => Action[]): Action[] {
    const key = upstream.join(',');
    const cached = this.#linked.get(actions);
    if (cached && cached.upstream === key) return cached.actions;
    const result = link();
    this.#linked.set(actions, { upstream: key, actions: result });
    return result;
  }

  /** The products in dependency order, computed again only when the fleet's shape changed. */
  productOrder(fleet: Fleet, compute: () => string[]): string[] {
    const token = fleet.shapeToken;
    if (token !== undefined && this.#order?.token === token) return this.#order.order;
    const order = compute();
    if (token !== undefined) this.#order = { token, order };
    return order;
  }
}

/**
 * Until when a verdict reached at `now` stays true: schedule windows are whole minutes, so the
 * next minute; an exception's expiry, exactly. Without either, verdicts do not depend on time.
 */
export function verdictValidUntil(constitution: ConstitutionSpec, now: Date): number {
  let until = Number.POSITIVE_INFINITY;
  if ((constitution.rules ?? []).some((rule) => rule.when?.schedule))
    until = Math.floor(now.getTime() / 60_000 + 1) * 60_000;
  for (const exception of constitution.exceptions ?? []) {
    const expires = Date.parse(exception.expires);
    if (expires > now.getTime() && expires < until) until = expires;
  }
  return until;
}
