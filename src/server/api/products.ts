import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatedAction } from '../../actions/action.js';
import type { BuildRecord, BuildState } from '../../backends/ci.js';
import { isRunId } from '../../backends/localci/layout.js';
import { isFinal, readStored } from '../../backends/localci/record.js';
import type { ProductPlanStatus } from '../../engine/plan-model.js';
import type { ProductResult } from '../../engine/product.js';
import type { FleetRun } from '../../engine/reconcile.js';
import { describeBlocker, nameActions } from '../../engine/render/words.js';
import type { BuildObservation } from '../../facets/build/observe.js';
import { FACETS } from '../../facets/index.js';
import type { Condition } from '../../store/store.js';
import { type ReleaseView, viewReleases } from './releases.js';

/** Recent builds `GET /api/products` shows per product. */
export const BUILDS_SHOWN = 20;

/** A product as `GET /api/products` shows it. */
export interface ProductView {
  id: string;
  org: string;
  conditions: Condition[];
  status: ProductPlanStatus | null;
  /** When its last reconcile observed it (on the daemon's clock); null before any. */
  lastReconciledAt: string | null;
  /** Its actions that cannot run now, each with why and who may approve it. */
  blocked: BlockedAction[];
  /** Its newest finished builds (BUILDS_SHOWN at most), newest first. */
  builds: BuildDuration[];
  /** Its releases (null for a product that does not release). */
  release: ReleaseView | null;
}

export interface BlockedAction {
  id: string;
  kind: string;
  reason: string;
  /** Each blocker in plain words: `awaiting approval by bob (ask-bob)`. */
  why: string[];
  /** The messages of the rules that decided its verdict. */
  messages: string[];
  /** Who may approve it now: the rules' approvers, else the org's; empty when no approval would lift it. */
  approvers: string[];
}

export interface BuildDuration {
  commit: string;
  state: BuildState;
  durationMs: number;
  finishedAt: string;
}

/** One product as `GET /api/products` shows it, from the run's last reconcile of it and the state. */
export async function viewProduct(run: FleetRun, id: string): Promise<ProductView> {
  const { fleet, store } = run.runtime;
  const result = run.results.get(id);
  return {
    id,
    org: fleet.products.get(id)?.manifest.metadata.org ?? id.split('/')[0] ?? '',
    conditions: store.conditions(id).get(id) ?? [],
    status: result?.status ?? null,
    lastReconciledAt: lastReconciledAt(run, id, result),
    blocked: blockedActions(result?.actions ?? [], id),
    builds: await buildDurations(run.runtime.stateDir, id, observedBuild(result)),
    release: viewReleases(store, id, result),
  };
}

/** When the product was last observed: by this run's last reconcile of it, else as the state recorded. */
function lastReconciledAt(run: FleetRun, id: string, result: ProductResult | undefined): string | null {
  const times = result
    ? Object.values(result.observation?.facets ?? {}).map((facet) => facet.observedAt)
    : [...FACETS.keys()].map((facet) => run.runtime.store.observation(id, facet)?.observedAt);
  const known = times.filter((time): time is string => time !== undefined).sort();
  return known.at(-1) ?? null;
}

function blockedActions(actions: readonly GatedAction[], product: string): BlockedAction[] {
  const name = nameActions(actions, product);
  return actions
    .filter((action) => action.blockedBy.length > 0)
    .map((action) => ({
      id: action.id,
      kind: action.kind,
      reason: action.reason,
      why: action.blockedBy.map((blocker) => describeBlocker(blocker, name)),
      messages: action.verdict.messages,
      approvers: action.blockedBy.some((blocker) => blocker.type === 'awaiting-approval')
        ? action.verdict.approvers
        : [],
    }));
}

/** The newest build the engine observed for the product's head (the one a Jenkins product has). */
function observedBuild(result: ProductResult | undefined): BuildRecord | undefined {
  const build = result?.observation?.facets.build;
  return build?.ok ? ((build.value as BuildObservation).build ?? undefined) : undefined;
}

/**
 * The product's newest finished builds: the local runner's records (`<state>/ci/builds/<org>/
 * <name>/<commit>/<runId>/record.json`, every build it ran and still keeps), with the newest
 * build the engine observed when the runner does not have it (a build on Jenkins).
 */
async function buildDurations(
  stateDir: string,
  product: string,
  observed: BuildRecord | undefined,
): Promise<BuildDuration[]> {
  const records = await localBuilds(join(stateDir, 'ci', 'builds', ...product.split('/')));
  if (observed && !records.some((record) => record.buildId === observed.buildId)) records.push(observed);
  const builds: BuildDuration[] = [];
  for (const { commit, state, durationMs, finishedAt } of records) {
    if (isFinal(state) && durationMs !== undefined && finishedAt !== undefined)
      builds.push({ commit, state, durationMs, finishedAt });
  }
  builds.sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : a.finishedAt > b.finishedAt ? -1 : 0));
  return builds.slice(0, BUILDS_SHOWN);
}

/** Every build recorded under one product's folder of the local runner; none when it has none. */
async function localBuilds(dir: string): Promise<BuildRecord[]> {
  const list = (path: string) => readdir(path).catch(() => [] as string[]);
  const runs = await Promise.all(
    (await list(dir)).map(async (commit) =>
      (await list(join(dir, commit))).filter(isRunId).map((run) => join(dir, commit, run, 'record.json')),
    ),
  );
  const records = await Promise.all(runs.flat().map((path) => readStored(path).catch(() => undefined)));
  return records.filter((record) => record !== undefined);
}
