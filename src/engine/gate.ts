import { createHash } from 'node:crypto';
import type { Action, Blocker, GatedAction, Verdict } from '../actions/action.js';
import { canonicalJson } from '../actions/canonical.js';
import { decide } from '../constitution/decide.js';
import { evaluate, type GateSubject } from '../constitution/evaluate.js';
import type { ProductObservation } from '../facets/facet.js';
import { FACETS } from '../facets/index.js';
import type { Effect, FacetName, Fleet } from '../fleet/model.js';
import type { Approval, JournalEntry } from '../store/store.js';
import type { ProposedPlan } from './plan.js';
import type { Orphan, Plan, PlanSummary, ProductPlanStatus } from './plan-model.js';

export interface GatingInput {
  fleet: Fleet;
  proposed: ProposedPlan;
  observations: ReadonlyMap<string, ProductObservation>;
  orphans: Orphan[];
  now: Date;
  dryRun: boolean;
  journal(idempotencyKey: string): JournalEntry | undefined;
  approvals(targets: string[]): Approval[];
}

/** What gating one product's actions reads besides the actions. */
export interface ProductGating {
  fleet: Fleet;
  now: Date;
  journal(idempotencyKey: string): JournalEntry | undefined;
  /** Approvals of these actions (and of `planId`). */
  approvals: readonly Approval[];
  /** The whole plan's id, whose approvals count too; null for a product reconciled on its own. */
  planId: string | null;
  /** Whether a product is Ready (undefined: not known, not waited for). */
  ready(product: string): boolean | undefined;
  /** Actions gated before these (other products' in a whole plan): what they wait on is shown. */
  gated?: ReadonlySet<string>;
}

/** Hash of the constitution's canonical JSON: which policy a verdict was reached under. */
export function constitutionRevision(fleet: Fleet): string {
  return sha256(canonicalJson(fleet.constitution.manifest.spec)).slice(0, 16);
}

/** The constitution's view of a product and action: everything `evaluate` looks at. */
export function gateSubject(
  fleet: Fleet,
  action: Action,
  observation: ProductObservation | undefined,
  states: Partial<Record<FacetName, string>> = observedStates(observation),
): GateSubject {
  const product = fleet.products.get(action.product);
  const org = product?.manifest.metadata.org ?? action.product.split('/')[0] ?? '';
  const orgSpec = fleet.fleet.manifest.spec.orgs.find((each) => each.name === org);
  return {
    action,
    product: { id: action.product, org, labels: product?.manifest.metadata.labels ?? {} },
    orgApprovers: orgSpec?.approvers ?? [],
    // What the action says of the commit it concerns (a release: the build of the released commit) wins.
    observed: { ...states, ...action.observed },
  };
}

/** Each facet's observed state word, 'unknown' where it could not be observed. */
export function observedStates(
  observation: ProductObservation | undefined,
): Partial<Record<FacetName, string>> {
  const states: Partial<Record<FacetName, string>> = {};
  for (const facet of FACETS.values()) {
    const observed = observation?.facets[facet.name];
    if (observed) states[facet.name] = observed.ok ? facet.state(observed.value) : 'unknown';
  }
  return states;
}

/**
 * The one gate: the constitution's verdict on each of a product's actions (verdictsOf), then
 * everything that keeps an action from running now (blockersOf): suspension, denial, a missing
 * approval, the journal (running, backing off, failed for good), the actions it waits on and the
 * products it depends on. A reconcile of one product calls it with no plan id; a whole plan
 * (gatePlan) calls it for every product, after the plan id is known.
 */
export function gateProduct(
  gating: ProductGating,
  actions: readonly Action[],
  observation: ProductObservation | undefined,
): GatedAction[] {
  return blockersOf(gating, actions, verdictsOf(gating.fleet, actions, observation, gating.now));
}

/** The constitution's verdict on each of one product's actions, in order. */
export function verdictsOf(
  fleet: Fleet,
  actions: readonly Action[],
  observation: ProductObservation | undefined,
  now: Date,
): Verdict[] {
  const states = observedStates(observation);
  const constitution = fleet.constitution.manifest.spec;
  return actions.map((action) => evaluate(constitution, gateSubject(fleet, action, undefined, states), now));
}

/** One product's actions with their verdicts and what blocks each. */
export function blockersOf(
  gating: ProductGating,
  actions: readonly Action[],
  verdicts: readonly Verdict[],
): GatedAction[] {
  const gated: GatedAction[] = [];
  const own = new Set<string>();
  for (const [index, action] of actions.entries()) {
    const verdict = verdicts[index] as Verdict;
    const blockedBy = ownBlockers(gating, action, verdict, gating.approvals, gating.planId);
    const waitingOn = action.dependsOn.filter((dep) => own.has(dep) || gating.gated?.has(dep));
    if (waitingOn.length > 0) blockedBy.push({ type: 'waiting-on', actions: waitingOn });
    const dependencies = dependencyBlocker(gating.fleet, action.product, gating.ready);
    if (dependencies) blockedBy.push(dependencies);
    gated.push({ ...action, verdict, blockedBy });
    own.add(action.id);
  }
  return gated;
}

/**
 * The whole plan: every product's actions gated (gateProduct's two halves), with the plan id
 * over their content and verdicts (not their blockers, so that an approval of a plan id stays
 * bound to what was shown), whose approvals count for every action in it.
 */
export function gatePlan(input: GatingInput): Plan {
  const revision = constitutionRevision(input.fleet);
  const verdicts = input.proposed.groups.map((group) =>
    verdictsOf(input.fleet, group, input.observations.get((group[0] as Action).product), input.now),
  );
  const hashes = input.proposed.groups.flatMap((group, index) =>
    group.map((action, at) => actionDigest(action, verdicts[index]?.[at] as Verdict)),
  );
  const id = planIdOf(input.fleet, revision, input.orphans, xorDigests(hashes));
  const approvals = input.approvals([id, ...input.proposed.actions.map((action) => action.id)]);
  const gatedIds = new Set<string>();
  const gating: ProductGating = {
    fleet: input.fleet,
    now: input.now,
    journal: input.journal,
    approvals,
    planId: id,
    ready: readinessIn(input.proposed),
    gated: gatedIds,
  };
  const actions: GatedAction[] = [];
  for (const [index, group] of input.proposed.groups.entries()) {
    for (const action of blockersOf(gating, group, verdicts[index] as Verdict[])) {
      actions.push(action);
      gatedIds.add(action.id);
    }
  }
  return planOf(input, {
    id,
    revision,
    summary: summarize(input, actions),
    actions,
    products: input.proposed.products,
  });
}

/** The plan object around its computed parts: one shape for the full and the incremental planner. */
export function planOf(
  input: Pick<GatingInput, 'fleet' | 'now' | 'dryRun' | 'orphans'>,
  parts: {
    id: string;
    revision: string;
    summary: PlanSummary;
    actions: GatedAction[];
    products: Plan['products'];
  },
): Plan {
  return {
    id: parts.id,
    createdAt: input.now.toISOString(),
    dryRun: input.dryRun,
    fleet: { source: input.fleet.source, revision: input.fleet.revision, dirty: input.fleet.dirty },
    constitutionRevision: parts.revision,
    summary: parts.summary,
    actions: parts.actions,
    products: parts.products,
    orphans: input.orphans,
  };
}

export function ownBlockers(
  input: Pick<ProductGating, 'fleet' | 'journal' | 'now'>,
  action: Action,
  verdict: Verdict,
  approvals: readonly Approval[],
  planId: string | null,
): Blocker[] {
  const blockers: Blocker[] = [];
  if (input.fleet.products.get(action.product)?.manifest.spec.suspend === true)
    blockers.push({ type: 'suspended' });
  const decision = decide(action, verdict, approvals, planId);
  if (!decision.allowed && decision.blocker) blockers.push(decision.blocker);
  const entry = input.journal(action.idempotencyKey);
  if (entry?.state === 'intent') blockers.push({ type: 'in-progress', since: entry.startedAt });
  if (entry?.state === 'failed' && entry.retryAt === null) {
    blockers.push({
      type: 'failed',
      reason: entry.error?.reason ?? 'Failed',
      message: entry.error?.message ?? 'failed',
    });
  } else if (entry?.state === 'failed' && entry.retryAt && Date.parse(entry.retryAt) > input.now.getTime()) {
    blockers.push({ type: 'backoff', until: entry.retryAt, attempts: entry.attempts });
  }
  return blockers;
}

/**
 * Ready for the products that depend on it: not suspended, nothing left to do, every facet where
 * its spec says (a build that runs, or failed, is not).
 */
export function isReady(status: ProductPlanStatus, actionCount: number): boolean {
  return (
    !status.suspended &&
    actionCount === 0 &&
    Object.values(status.facets).every((facet) => facet.state === 'ready')
  );
}

/** Whether each product of a proposed plan is Ready (undefined: not in the plan). */
export function readinessIn(proposed: ProposedPlan): (product: string) => boolean | undefined {
  const counts = new Map<string, number>();
  for (const action of proposed.actions) counts.set(action.product, (counts.get(action.product) ?? 0) + 1);
  const statuses = new Map(proposed.products.map((status) => [status.product, status]));
  return (product) => {
    const status = statuses.get(product);
    return status ? isReady(status, counts.get(product) ?? 0) : undefined;
  };
}

/**
 * A product waits for the products it `dependsOn` to be Ready at their current head, as Flux's
 * dependsOn: not merely for their actions to have started (a build triggered is not a build green).
 * Products outside the plan (a plan of one product) are not looked at.
 */
export function dependencyBlocker(
  fleet: Fleet,
  product: string,
  ready: (product: string) => boolean | undefined,
): Blocker | undefined {
  const waiting = (fleet.products.get(product)?.manifest.spec.dependsOn ?? []).filter(
    (dependency) => ready(dependency) === false,
  );
  return waiting.length > 0 ? { type: 'dependency-not-ready', products: waiting } : undefined;
}

/** Runnable: nothing blocks it but actions that are themselves runnable. */
export function runnableIds(actions: readonly GatedAction[]): Set<string> {
  const runnable = new Set<string>();
  const present = new Set(actions.map((action) => action.id));
  for (const action of actions) {
    const own = action.blockedBy.filter((blocker) => blocker.type !== 'waiting-on');
    if (own.length === 0 && action.dependsOn.every((dep) => runnable.has(dep) || !present.has(dep))) {
      runnable.add(action.id);
    }
  }
  return runnable;
}

export function summarize(
  input: Pick<GatingInput, 'fleet' | 'orphans'>,
  actions: readonly GatedAction[],
): PlanSummary {
  const byEffect: Record<Effect, number> = { allow: 0, warn: 0, 'require-approval': 0, deny: 0 };
  for (const action of actions) byEffect[action.verdict.effect]++;
  const runnable = runnableIds(actions).size;
  return {
    products: input.fleet.products.size,
    actions: actions.length,
    runnable,
    blocked: actions.length - runnable,
    byEffect,
    orphans: input.orphans.length,
  };
}

/**
 * The plan id: the fleet revision, the policy, the orphans, and every action's content and
 * verdict, combined by XOR of per-action digests so that changing one action updates it in
 * O(1). Order needs no hashing: it follows from the content (dependsOn) and the product ids.
 */
export function planIdOf(fleet: Fleet, revision: string, orphans: Orphan[], actionsDigest: string): string {
  const header = canonicalJson({
    fleet: { source: fleet.source, revision: fleet.revision },
    constitutionRevision: revision,
    orphans: orphans.map(({ product, prune }) => ({ product, prune })),
  });
  return sha256(`${header}\n${actionsDigest}`);
}

/** An action's digest for the plan id: its content and verdict. */
export function actionDigest(action: Action, verdict: Verdict): string {
  return sha256(canonicalJson({ ...action, verdict }));
}

/** XOR of hex digests (action ids are unique, so no digest cancels another). */
export function xorDigests(digests: Iterable<string>, start: Buffer = Buffer.alloc(32)): string {
  const total = Buffer.from(start);
  for (const digest of digests) {
    const bytes = Buffer.from(digest, 'hex');
    for (let index = 0; index < 32; index++)
      total[index] = (total[index] as number) ^ (bytes[index] as number);
  }
  return total.toString('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
