import type { Product } from '../../fleet/model.js';
import { triggerCommit } from '../build/plan.js';
import type { FacetPlan, FacetStatus, PlanContext, ProposedAction } from '../facet.js';
import { freshKey } from '../keys.js';
import type { ReleaseObservation } from './observe.js';
import { type Registry, registryId, registryLabel } from './registries.js';

/** How soon to look again while the build of a commit to release runs. */
const BUILD_WAIT_MS = 2000;

/**
 * One word for constitution `when.observed.release`: releasable (commits wait to be released),
 * conflict (the next tag exists elsewhere), or current.
 */
export function releaseState(observed: ReleaseObservation): string {
  if (observed.cut?.existing) return 'conflict';
  return observed.cut ? 'releasable' : 'current';
}

/**
 * Releasable commits are released: `release.cut` tags the next version once the build of the head
 * has finished, and `release.publish` ships the newest release to each registry once its own
 * commit has built. Whether a red build may be released is the constitution's call: the action
 * carries the build of the commit it releases (Action.observed) for rules on `when.observed`.
 */
export function planRelease(
  product: Product,
  observed: ReleaseObservation,
  context: Pick<PlanContext, 'journal'>,
): FacetPlan {
  const actions: ProposedAction[] = [];
  const statuses: FacetStatus[] = [];
  const cut = planCut(product, observed, context);
  if (cut.action) actions.push(cut.action);
  statuses.push(cut.status);
  for (const publish of planPublishes(product, observed, context)) {
    if (publish.action) actions.push(publish.action);
    statuses.push(publish.status);
  }
  return { actions, status: combine(statuses) };
}

interface Planned {
  action?: ProposedAction;
  status: FacetStatus;
}

function planCut(
  product: Product,
  observed: ReleaseObservation,
  context: Pick<PlanContext, 'journal'>,
): Planned {
  const { cut, next, head, branch } = observed;
  const short = `${branch}@${head.slice(0, 7)}`;
  if (!cut) {
    const version = observed.latest?.version;
    return {
      status: {
        state: 'ready',
        reason: 'NothingToRelease',
        message: version ? `${version} is the newest release: ${next.why}` : `nothing released: ${next.why}`,
      },
    };
  }
  if (cut.existing) {
    return {
      status: {
        state: 'stalled',
        reason: 'ReleaseTagConflict',
        message:
          `tag ${cut.existing.tag} already points at ${cut.existing.commit.slice(0, 12)}, which is not on ${branch}; ` +
          `${cut.version} would be cut from ${head.slice(0, 12)}: move or delete the tag, or set a Release-As footer`,
      },
    };
  }
  const build = observed.builds[head] ?? 'none';
  const waiting = waitForBuild(product, build, short, cut.version);
  if (waiting) return { status: waiting };
  const action: ProposedAction = {
    kind: 'release.cut',
    params: {
      version: cut.version,
      tag: cut.tag,
      base: head,
      branch,
      previousTag: observed.latest?.tag ?? null,
      bump: next.bump,
      decidedBy: next.deciding,
      notes: cut.notes,
    },
    reason: `release ${cut.version} from ${short}: ${next.why}`,
    // Cut before and gone again (the repository was reset): cut again, under a key derived from the last.
    idempotencyKey: freshKey(`release.cut:${product.id}:${cut.version}`, context.journal),
    changeClass: 'publish',
    observed: { build },
  };
  return { action, status: { state: 'progressing', reason: 'ReleaseDue', message: action.reason } };
}

function planPublishes(
  product: Product,
  observed: ReleaseObservation,
  context: Pick<PlanContext, 'journal'>,
): Planned[] {
  const latest = observed.latest;
  const registries = product.manifest.spec.release?.registries ?? [];
  // Only the newest release is published: while a newer one is due, it is the one to publish.
  if (!latest || observed.cut) return [];
  const build = observed.builds[latest.commit] ?? 'none';
  const planned: Planned[] = [];
  const unpublished = registries.filter(
    (registry) => context.journal(publishKey(product, registry, latest.version))?.state !== 'succeeded',
  );
  if (
    unpublished.length > 0 &&
    product.manifest.spec.build &&
    build === 'none' &&
    latest.commit !== observed.head
  ) {
    // The branch moved on before the release commit was built: the build facet builds heads
    // only, so the release asks for its own commit's build, which its publish waits for.
    const trigger = triggerCommit(
      product,
      { ci: observed.ci, repoUrl: observed.repoUrl, branch: observed.branch, commit: latest.commit },
      `build ${latest.tag} (${latest.commit.slice(0, 7)}), which ${latest.version} is published from: the branch moved on before it was built`,
      context.journal,
    );
    return [
      {
        action: trigger,
        status: { state: 'progressing', reason: 'ReleaseBuildNeeded', message: trigger.reason },
      },
    ];
  }
  for (const [index, registry] of registries.entries()) {
    const where = registryLabel(registry);
    const key = publishKey(product, registry, latest.version);
    if (context.journal(key)?.state === 'succeeded') {
      planned.push({
        status: {
          state: 'ready',
          reason: 'Published',
          message: `${latest.version} is published to ${where}`,
        },
      });
      continue;
    }
    const waiting = waitForBuild(
      product,
      build,
      `${latest.tag} (${latest.commit.slice(0, 7)})`,
      latest.version,
    );
    if (waiting) {
      planned.push({ status: waiting });
      continue;
    }
    const action: ProposedAction = {
      kind: 'release.publish',
      params: {
        registry: index,
        type: registry.type,
        version: latest.version,
        tag: latest.tag,
        commit: latest.commit,
      },
      reason: `publish ${latest.version} to ${where}`,
      idempotencyKey: key,
      changeClass: 'publish',
      observed: { build },
    };
    planned.push({ action, status: { state: 'progressing', reason: 'PublishDue', message: action.reason } });
  }
  return planned;
}

function publishKey(product: Product, registry: Registry, version: string): string {
  return `release.publish:${product.id}:${registryId(registry)}:${version}`;
}

/** A release waits while the build of its commit has not finished (a product without a build waits for nothing). */
function waitForBuild(
  product: Product,
  build: string,
  what: string,
  version: string,
): FacetStatus | undefined {
  if (product.manifest.spec.build === undefined || (build !== 'none' && build !== 'running'))
    return undefined;
  return {
    state: 'progressing',
    reason: 'WaitingForBuild',
    message: `${version} waits for the build of ${what} (${build === 'none' ? 'not built yet' : 'running'})`,
    requeueAfterMs: BUILD_WAIT_MS,
  };
}

/** The worst state, every message. */
function combine(statuses: FacetStatus[]): FacetStatus {
  const order: FacetStatus['state'][] = ['stalled', 'progressing', 'ready'];
  const state = order.find((each) => statuses.some((status) => status.state === each)) ?? 'ready';
  const worst = statuses.find((status) => status.state === state) as FacetStatus;
  const requeue = statuses.map((status) => status.requeueAfterMs).filter((ms) => ms !== undefined);
  const combined: FacetStatus = {
    state,
    reason: worst.reason,
    message: statuses.map((status) => status.message).join('; '),
  };
  if (requeue.length > 0) combined.requeueAfterMs = Math.min(...requeue);
  return combined;
}
