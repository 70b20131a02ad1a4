import { canonicalJson } from '../actions/canonical.js';
import type { ProductObservation } from '../facets/facet.js';
import { loadFleet } from '../fleet/load.js';
import type { Fleet } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import { observeProducts } from './observe.js';
import { compareConstitutions, compareManifests, comparePlans, type PullRequestView } from './pr-view.js';
import { openRuntime } from './runtime.js';
import { computePlan } from './whole-plan.js';

export interface PullRequestOptions {
  fleet: string;
  base: string;
  head: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  now: Date;
}

/**
 * The pull-request view: loads the fleet at both revisions, observes every product once (a
 * product whose spec differs between them is observed under each spec), and plans both, read-only.
 * An invalid head yields its problems and no head plan; nothing is ever acted on.
 */
export async function buildPullRequestView(options: PullRequestOptions): Promise<PullRequestView> {
  const load = (rev: string) =>
    loadFleet({ fleet: options.fleet, rev, cwd: options.cwd, env: options.env, now: options.now });
  const [base, head] = await Promise.all([load(options.base), load(options.head)]);
  const view: PullRequestView = {
    base: { revision: base.revision, result: base },
    head: { revision: head.revision, result: head },
    manifests: compareManifests(base, head),
    constitution: compareConstitutions(base.fleet, head.fleet),
    basePlan: undefined,
    headPlan: undefined,
    comparison: { added: [], removed: [], changed: [], unchanged: 0 },
  };
  const anchor = head.fleet ? options.head : base.fleet ? options.base : undefined;
  if (!anchor) return view;
  const runtime = await openRuntime({
    fleet: options.fleet,
    rev: anchor,
    cwd: options.cwd,
    env: options.env,
    logger: options.logger,
    readOnly: true,
    clock: () => options.now,
  });
  try {
    const concurrency = runtime.fleet.fleet.manifest.spec.reconcile?.concurrency ?? 4;
    const headObserved = head.fleet
      ? await observeProducts(
          [...head.fleet.products.values()],
          { ...runtime, fleet: head.fleet, now: options.now },
          concurrency,
        )
      : new Map();
    const baseObserved = base.fleet
      ? await observeChanged(base.fleet, head.fleet, headObserved, runtime, concurrency, options.now)
      : new Map();
    const plan = async (fleet: Fleet, observations: Map<string, ProductObservation>) =>
      (
        await computePlan({
          runtime: { ...runtime, fleet },
          dryRun: true,
          observations,
          now: options.now,
        })
      ).plan;
    if (base.fleet) view.basePlan = await plan(base.fleet, baseObserved);
    if (head.fleet) view.headPlan = await plan(head.fleet, headObserved);
    view.comparison = comparePlans(view.basePlan, view.headPlan);
  } finally {
    runtime.store.close();
  }
  return view;
}

/** Observations for the base plan: the head's where the product's spec is the same, fresh ones elsewhere. */
async function observeChanged(
  base: Fleet,
  head: Fleet | undefined,
  headObserved: Map<string, ProductObservation>,
  runtime: Awaited<ReturnType<typeof openRuntime>>,
  concurrency: number,
  now: Date,
): Promise<Map<string, ProductObservation>> {
  const same = new Map<string, ProductObservation>();
  const differ = [];
  for (const product of base.products.values()) {
    const other = head?.products.get(product.id);
    const observed = headObserved.get(product.id);
    if (other && observed && canonicalJson(other.manifest.spec) === canonicalJson(product.manifest.spec))
      same.set(product.id, observed);
    else differ.push(product);
  }
  const fresh = await observeProducts(differ, { ...runtime, fleet: base, now }, concurrency);
  for (const [id, observation] of fresh) same.set(id, observation);
  return same;
}
