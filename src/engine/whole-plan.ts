import type { GatedAction } from '../actions/action.js';
import { CodemonkeysError } from '../errors.js';
import type { ProductObservation } from '../facets/facet.js';
import type { Product } from '../fleet/model.js';
import type { Condition, JournalEntry } from '../store/store.js';
import { ACTUATORS } from './actuators.js';
import { type ExecutedAction, Executor } from './execute.js';
import { gatePlan } from './gate.js';
import { actionLease } from './lease.js';
import { observeProducts } from './observe.js';
import { proposeActions } from './plan.js';
import type { Plan } from './plan-model.js';
import {
  cachedObservations,
  cacheObservations,
  findOrphans,
  recordDecisions,
  syncProducts,
  writeConditions,
} from './record.js';
import type { Runtime } from './runtime.js';

/**
 * The whole-fleet plan: every product observed, planned and gated by the same steps a product's
 * reconcile takes (planProduct, the one gate), assembled with one plan id. `plan`, the
 * pull-request view, `reconcile --dry-run`, `apply` and saved plans use it; `reconcile` works
 * product by product instead (reconcile.ts).
 */
export interface WholePlanOptions {
  runtime: Runtime;
  /** Only this product (org/name). */
  product?: string;
  /** Plan from the observations cached by the last reconcile instead of observing again. */
  cachedObservations?: boolean;
  /** Plan from these observations (products missing from it are observed). */
  observations?: ReadonlyMap<string, ProductObservation>;
  /** Plans on behalf of a dry run (the plan says so). */
  dryRun: boolean;
  now: Date;
}

/** A saved plan no longer matches what re-observation plans: it is not applied. */
export class StalePlanError extends CodemonkeysError {
  override name = 'StalePlanError';
  constructor(saved: string, fresh: string) {
    super(
      `the saved plan ${saved.slice(0, 16)} is stale: planning again now gives ${fresh.slice(0, 16)} (the fleet, the constitution or what was observed changed); run plan again`,
      { reason: 'StalePlan', next: 'stalled' },
    );
  }
}

/** Observe (or read the cached observations), propose and gate: the plan, with nothing executed and nothing written. */
export async function computePlan(
  options: WholePlanOptions,
): Promise<{ plan: Plan; observations: Map<string, ProductObservation> }> {
  const { runtime, now } = options;
  const products = selectProducts(runtime, options.product);
  const orphans = options.product ? [] : findOrphans(runtime);
  const given = options.observations;
  const observations = options.cachedObservations
    ? cachedObservations(runtime.store, products)
    : await observeProducts(
        given ? products.filter((product) => !given.has(product.id)) : products,
        { ...runtime, now },
        runtime.fleet.fleet.manifest.spec.reconcile?.concurrency ?? 4,
      );
  for (const product of products) {
    const known = given?.get(product.id);
    if (known && !observations.has(product.id)) observations.set(product.id, known);
  }
  const fleet = options.product
    ? { ...runtime.fleet, products: new Map(products.map((p) => [p.id, p])), shapeToken: undefined }
    : runtime.fleet;
  const journal = (key: string) => runtime.store.journalEntry(key);
  const approvals = (targets: string[]) => runtime.store.approvals(targets);
  const common = { fleet, observations, orphans, now, dryRun: options.dryRun, journal, approvals };
  return { plan: gatePlan({ ...common, proposed: proposeActions(common) }), observations };
}

export interface AppliedPlan {
  plan: Plan;
  executed: ExecutedAction[];
  conditions: Map<string, Condition[]>;
}

/**
 * `apply`: plans the whole fleet again and, only if the plan has the id the user saw (or saved),
 * records it and runs its runnable actions once; status is written at the end, also when
 * recording or acting threw.
 */
export async function applyPlan(
  options: Omit<WholePlanOptions, 'dryRun' | 'cachedObservations' | 'observations'> & {
    runId: string;
    expectPlanId: string;
    /** Actions a reconciler that died left running (takeLease): resumed before anything is looked at. */
    leftRunning?: readonly JournalEntry[];
  },
): Promise<AppliedPlan> {
  const { runtime, now } = options;
  const executor = new Executor({
    store: runtime.store,
    context: { ...runtime, now: runtime.clock },
    actuators: ACTUATORS,
    runId: options.runId,
    concurrency: runtime.fleet.fleet.manifest.spec.reconcile?.concurrency ?? 4,
    perBackend: runtime.perBackend,
    lease: actionLease(runtime.store, options.runId),
  });
  // What they did changes what is observed: a plan made while they ran would be made twice.
  if (options.leftRunning?.length) await executor.resume(options.leftRunning);
  const { plan, observations } = await computePlan({ ...options, dryRun: false });
  if (plan.id !== options.expectPlanId) {
    await executor.finish();
    throw new StalePlanError(options.expectPlanId, plan.id);
  }
  let executed: ExecutedAction[] = [];
  let conditions = new Map<string, Condition[]>();
  try {
    if (options.product === undefined) syncProducts(runtime, now);
    cacheObservations(runtime.store, observations.values(), now);
    runtime.store.savePlan(plan.id, plan, now);
    recordDecisions(runtime, plan.actions, plan.constitutionRevision, observations, now);
    await executor.submit(plan.actions, plan.id);
    executed = await executor.finish();
  } finally {
    conditions = writeConditions(runtime, byProduct(plan), plan.fleet.revision, now);
  }
  return { plan, executed, conditions };
}

/** Each product's status with its actions. */
export function byProduct(plan: Plan): { status: Plan['products'][number]; actions: GatedAction[] }[] {
  const actions = new Map<string, GatedAction[]>();
  for (const action of plan.actions) {
    const list = actions.get(action.product);
    if (list) list.push(action);
    else actions.set(action.product, [action]);
  }
  return plan.products.map((status) => ({ status, actions: actions.get(status.product) ?? [] }));
}

function selectProducts(runtime: Runtime, only: string | undefined): Product[] {
  const all = [...runtime.fleet.products.values()];
  if (!only) return all;
  const product = runtime.fleet.products.get(only);
  if (!product) throw new Error(`no product ${only} in the fleet`);
  return [product];
}
