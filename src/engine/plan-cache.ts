import type { ConstitutionSpec, Product } from '../fleet/model.js';
import type { Action, Verdict } from './action.js';
import type { ProductObservation } from './facet.js';
import type { ProductPlanStatus } from './plan-model.js';

interface Proposal {
  observation: ProductObservation | undefined;
  actions: Action[];
  status: ProductPlanStatus;
}

interface CachedVerdict {
  key: string;
  validUntil: number;
  verdict: Verdict;
}

/**
 * What planning can reuse from one plan to the next, so that re-planning a large fleet after
 * one change redoes the work for that change only: a product's proposals while the product
 * (same object, see LoadCache) and its observation are the same; an action's verdict while
 * its inputs are the same and no time boundary (a minute, for schedules; an exception's
 * expiry) has passed; an action's content hash for the plan id.
 */
export class PlanCache {
  readonly #proposals = new WeakMap<Product, Proposal>();
  readonly #verdicts = new Map<string, CachedVerdict>();
  readonly #hashes = new Map<string, { content: string; hash: string }>();
  readonly #verdictPrints = new WeakMap<Verdict, string>();
  readonly #linked = new WeakMap<Action[], { upstream: string; actions: Action[] }>();

  proposal(product: Product, observation: ProductObservation | undefined): Proposal | undefined {
    const cached = this.#proposals.get(product);
    return cached && cached.observation === observation ? cached : undefined;
  }

  rememberProposal(product: Product, proposal: Proposal): void {
    this.#proposals.set(product, proposal);
  }

  verdict(actionId: string, key: string, now: Date): Verdict | undefined {
    const cached = this.#verdicts.get(actionId);
    return cached && cached.key === key && now.getTime() < cached.validUntil ? cached.verdict : undefined;
  }

  rememberVerdict(actionId: string, key: string, validUntil: number, verdict: Verdict): void {
    this.#verdicts.set(actionId, { key, validUntil, verdict });
  }

  /** A content hash, recomputed only when the content string changes. */
  hash(
    actionId: string,
    content: () => string,
    digest: (text: string) => string,
    fingerprint: string,
  ): string {
    const cached = this.#hashes.get(actionId);
    if (cached && cached.content === fingerprint) return cached.hash;
    const hash = digest(content());
    this.#hashes.set(actionId, { content: fingerprint, hash });
    return hash;
  }

  /** A verdict as a string, computed once per verdict object (cached verdicts are reused). */
  verdictFingerprint(verdict: Verdict): string {
    let print = this.#verdictPrints.get(verdict);
    if (print === undefined) {
      print = JSON.stringify(verdict);
      this.#verdictPrints.set(verdict, print);
    }
    return print;
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

  /** Forgets actions that are no longer planned. */
  retainActions(ids: ReadonlySet<string>): void {
    for (const id of this.#verdicts.keys()) if (!ids.has(id)) this.#verdicts.delete(id);
    for (const id of this.#hashes.keys()) if (!ids.has(id)) this.#hashes.delete(id);
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
