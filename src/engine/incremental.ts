import type { Action, GatedAction, Verdict } from '../actions/action.js';
import { evaluate } from '../constitution/evaluate.js';
import type { Effect, Product } from '../fleet/model.js';
import {
  actionDigest,
  constitutionRevision,
  dependencyBlocker,
  type GatingInput,
  gateSubject,
  isReady,
  observedStates,
  ownBlockers,
  planIdOf,
  planOf,
  xorDigests,
} from './gate.js';
import { MinHeap } from './heap.js';
import { productOrder } from './order.js';
import { linkActions, planProduct, pruneAction } from './plan.js';
import { PlanCache, verdictValidUntil } from './plan-cache.js';
import type { Plan, PlanSummary, ProductPlanStatus } from './plan-model.js';

export interface IncrementalInput extends Omit<GatingInput, 'proposed' | 'cache'> {
  /**
   * Products whose spec, observation, journal entries or approvals may have changed since the
   * last call; undefined when that is not known (everything is looked at again).
   */
  changed?: ReadonlySet<string>;
}

interface Segment {
  product: Product;
  status: ProductPlanStatus;
  actions: Action[];
  verdicts: Verdict[];
  digest: string;
  gated: GatedAction[];
  runnable: boolean[];
}

const ZERO = '0'.repeat(64);

const readyOf = (segment: Segment): boolean => isReady(segment.status, segment.actions.length);
const EFFECTS: readonly Effect[] = ['allow', 'warn', 'require-approval', 'deny'];

/**
 * Plans a fleet again after a change, redoing the work of the products that changed (and of
 * those downstream whose inputs that change touches) and nothing else: the summary and the plan
 * id are kept up to date by difference, the order by product. Gives exactly the plan that
 * proposeActions + gatePlan give (a test holds the two together). Anything it cannot tell
 * apart — a new constitution, a new fleet shape, a time boundary of the policy, unknown
 * changes — makes it start over.
 */
export class IncrementalPlanner {
  readonly #cache = new PlanCache();
  #segments = new Map<string, Segment>();
  #order: string[] = [];
  #index = new Map<string, number>();
  #dependents = new Map<string, string[]>();
  #runnable = new Map<string, boolean>();
  #xor = ZERO;
  #counts = {
    actions: 0,
    runnable: 0,
    byEffect: { allow: 0, warn: 0, 'require-approval': 0, deny: 0 } as Record<Effect, number>,
  };
  #key: { shape: number | undefined; revision: string; validUntil: number; orphans: string } | undefined;
  #planId: string | undefined;
  /** Products with an action backing off, and when the earliest backoff ends: time alone changes their blockers. */
  #timers = new Map<string, number>();

  plan(input: IncrementalInput): Plan {
    const revision = constitutionRevision(input.fleet);
    const orphansKey = JSON.stringify(
      input.orphans.map(({ product, prune, lastSeenRevision }) => [product, prune, lastSeenRevision]),
    );
    const key = this.#key;
    const fresh =
      !key ||
      input.changed === undefined ||
      input.fleet.shapeToken === undefined ||
      key.shape !== input.fleet.shapeToken ||
      key.revision !== revision ||
      key.orphans !== orphansKey ||
      input.now.getTime() >= key.validUntil;
    if (fresh) this.#reset(input, revision, orphansKey);
    const due = [...this.#timers].filter(([, until]) => until <= input.now.getTime()).map(([id]) => id);
    const contentDirty = fresh
      ? this.#order
      : [...new Set([...(input.changed ?? []), ...due])].filter((id) => this.#index.has(id));
    const touched = this.#updateContent(input, contentDirty);
    const prune = this.#pruneActions(input);
    const id = planIdOf(
      input.fleet,
      revision,
      input.orphans,
      xorDigests(prune.digests, Buffer.from(this.#xor, 'hex')),
    );
    const planApprovals = input.approvals([
      id,
      ...(this.#planId && this.#planId !== id ? [this.#planId] : []),
    ]);
    const blockerDirty =
      fresh || planApprovals.length > 0 ? this.#order : [...new Set([...touched, ...contentDirty])];
    this.#updateBlockers(input, id, blockerDirty);
    this.#planId = id;
    return this.#assemble(input, id, revision, prune);
  }

  #reset(input: IncrementalInput, revision: string, orphans: string): void {
    this.#segments = new Map();
    this.#timers = new Map();
    this.#runnable = new Map();
    this.#xor = ZERO;
    this.#counts = {
      actions: 0,
      runnable: 0,
      byEffect: { allow: 0, warn: 0, 'require-approval': 0, deny: 0 },
    };
    this.#order = productOrder(input.fleet);
    this.#index = new Map(this.#order.map((id, index) => [id, index]));
    this.#dependents = new Map();
    for (const id of this.#order) {
      for (const dep of input.fleet.products.get(id)?.manifest.spec.dependsOn ?? []) {
        if (input.fleet.products.has(dep))
          this.#dependents.set(dep, [...(this.#dependents.get(dep) ?? []), id]);
      }
    }
    const validUntil = verdictValidUntil(input.fleet.constitution.manifest.spec, input.now);
    this.#key = { shape: input.fleet.shapeToken, revision, validUntil, orphans };
  }

  /** Products in order, starting from `dirty` and following dependents whose upstream action ids changed. */
  #updateContent(input: IncrementalInput, dirty: string[]): string[] {
    const visited: string[] = [];
    this.#walk(dirty, (id) => {
      visited.push(id);
      const before = this.#segments.get(id);
      const after = this.#computeContent(input, id);
      this.#replaceContent(before, after, id);
      // Dependents are planned again when the ids they wait on change, or whether this product is Ready.
      return !before || !sameIds(before.actions, after.actions) || readyOf(before) !== readyOf(after);
    });
    return visited;
  }

  #computeContent(input: IncrementalInput, id: string): Segment {
    const product = input.fleet.products.get(id) as Product;
    const observation = input.observations.get(id);
    const proposal = this.#cache.proposal(product, observation) ?? {
      observation,
      ...planProduct(product, { ...input, cache: this.#cache }),
    };
    this.#cache.rememberProposal(product, proposal);
    const upstream = (product.manifest.spec.dependsOn ?? [])
      .flatMap((dep) => this.#segments.get(dep)?.actions ?? [])
      .map((action) => action.id);
    const actions =
      upstream.length > 0 && proposal.actions.length > 0
        ? this.#cache.linked(proposal.actions, upstream, () => linkActions(proposal.actions, upstream))
        : proposal.actions;
    const states = observedStates(observation);
    const constitution = input.fleet.constitution.manifest.spec;
    const verdicts = actions.map((action) =>
      evaluate(constitution, gateSubject(input.fleet, action, undefined, states), input.now),
    );
    const digests = actions.map((action, index) => actionDigest(action, verdicts[index] as Verdict));
    return {
      product,
      status: proposal.status,
      actions,
      verdicts,
      digest: xorDigests(digests),
      gated: [],
      runnable: [],
    };
  }

  #replaceContent(before: Segment | undefined, after: Segment, id: string): void {
    this.#xor = xorDigests([after.digest, ...(before ? [before.digest] : [])], Buffer.from(this.#xor, 'hex'));
    if (before) {
      this.#uncount(before);
      const kept = new Set(after.actions.map((action) => action.id));
      for (const action of before.actions) if (!kept.has(action.id)) this.#runnable.delete(action.id);
    }
    this.#segments.set(id, after);
    this.#counts.actions += after.actions.length;
    for (const verdict of after.verdicts) this.#counts.byEffect[verdict.effect]++;
  }

  /** Blockers and runnability, in order, following dependents whose upstream runnability changed. */
  #updateBlockers(input: IncrementalInput, planId: string, dirty: string[]): void {
    this.#walk(dirty, (id) => {
      const segment = this.#segments.get(id) as Segment;
      const approvals = input.approvals([planId, ...segment.actions.map((action) => action.id)]);
      const ready = (dep: string) => {
        const upstream = this.#segments.get(dep);
        return upstream ? readyOf(upstream) : undefined;
      };
      this.#counts.runnable -= segment.runnable.filter(Boolean).length;
      let changed = false;
      segment.gated = segment.actions.map((action, index) => {
        const verdict = segment.verdicts[index] as Verdict;
        const blockedBy = ownBlockers(input, action, verdict, approvals, planId);
        if (action.dependsOn.length > 0) blockedBy.push({ type: 'waiting-on', actions: action.dependsOn });
        const dependencies = dependencyBlocker(input.fleet, action.product, ready);
        if (dependencies) blockedBy.push(dependencies);
        return { ...action, verdict, blockedBy };
      });
      segment.runnable = segment.gated.map((action) => {
        const runnable =
          action.blockedBy.every((b) => b.type === 'waiting-on') &&
          action.dependsOn.every((dep) => this.#runnable.get(dep) === true);
        if (this.#runnable.get(action.id) !== runnable) changed = true;
        this.#runnable.set(action.id, runnable);
        return runnable;
      });
      this.#counts.runnable += segment.runnable.filter(Boolean).length;
      this.#setTimer(id, segment.gated);
      return changed;
    });
  }

  #setTimer(id: string, gated: GatedAction[]): void {
    let until = Number.POSITIVE_INFINITY;
    for (const action of gated) {
      for (const blocker of action.blockedBy)
        if (blocker.type === 'backoff') until = Math.min(until, Date.parse(blocker.until));
    }
    if (until === Number.POSITIVE_INFINITY) this.#timers.delete(id);
    else this.#timers.set(id, until);
  }

  /** Visits products in dependency order, starting with `start`; `visit` says whether dependents must follow. */
  #walk(start: string[], visit: (id: string) => boolean): void {
    const queued = new Set<string>();
    const heap = new MinHeap<string>((id) => String(this.#index.get(id) ?? 0).padStart(10, '0'));
    const enqueue = (id: string): void => {
      if (queued.has(id)) return;
      queued.add(id);
      heap.push(id);
    };
    for (const id of start) enqueue(id);
    while (heap.size > 0) {
      const id = heap.pop() as string;
      if (!visit(id)) continue;
      for (const dependent of this.#dependents.get(id) ?? []) enqueue(dependent);
    }
  }

  #uncount(segment: Segment): void {
    this.#counts.actions -= segment.actions.length;
    for (const verdict of segment.verdicts) this.#counts.byEffect[verdict.effect]--;
    this.#counts.runnable -= segment.runnable.filter(Boolean).length;
  }

  #pruneActions(input: IncrementalInput): { gated: GatedAction[]; digests: string[]; verdicts: Verdict[] } {
    const actions = input.orphans.filter((orphan) => orphan.prune).map(pruneAction);
    const verdicts = actions.map((action) =>
      evaluate(
        input.fleet.constitution.manifest.spec,
        gateSubject(input.fleet, action, undefined, {}),
        input.now,
      ),
    );
    return {
      gated: actions.map((action, index) => ({
        ...action,
        verdict: verdicts[index] as Verdict,
        blockedBy: [],
      })),
      digests: actions.map((a, i) => actionDigest(a, verdicts[i] as Verdict)),
      verdicts,
    };
  }

  #assemble(
    input: IncrementalInput,
    id: string,
    revision: string,
    prune: { gated: GatedAction[]; verdicts: Verdict[] },
  ): Plan {
    const approvals = input.approvals([id, ...prune.gated.map((action) => action.id)]);
    const pruned = prune.gated.map((action) => ({
      ...action,
      blockedBy: ownBlockers(input, action, action.verdict, approvals, id),
    }));
    const actions: GatedAction[] = [];
    const products: ProductPlanStatus[] = [];
    for (const productId of this.#order) {
      const segment = this.#segments.get(productId) as Segment;
      products.push(segment.status);
      for (const action of segment.gated) actions.push(action);
    }
    actions.push(...pruned);
    const byEffect = { ...this.#counts.byEffect };
    for (const verdict of prune.verdicts) byEffect[verdict.effect]++;
    const runnable = this.#counts.runnable + pruned.filter((action) => action.blockedBy.length === 0).length;
    const summary: PlanSummary = {
      products: input.fleet.products.size,
      actions: actions.length,
      runnable,
      blocked: actions.length - runnable,
      byEffect: Object.fromEntries(EFFECTS.map((effect) => [effect, byEffect[effect]])) as Record<
        Effect,
        number
      >,
      orphans: input.orphans.length,
    };
    return planOf(input, { id, revision, summary, actions, products });
  }
}

function sameIds(a: Action[], b: Action[]): boolean {
  return a.length === b.length && a.every((action, index) => action.id === (b[index] as Action).id);
}
