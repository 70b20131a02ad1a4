import type { FacetPlan, ProposedAction } from '../../engine/facet.js';
import type { Product } from '../../fleet/model.js';
import { parseDuration } from '../../util/duration.js';
import type { BuildObservation } from './observe.js';

const DEFAULT_TIMEOUT = '30m';

/** green: the head built; red: it failed; running; none: no build of the head (or it was aborted). */
export function buildState(observed: BuildObservation): string {
  switch (observed.build?.state) {
    case 'succeeded':
      return 'green';
    case 'failed':
    case 'timed-out':
      return 'red';
    case 'queued':
    case 'running':
      return 'running';
    default:
      return 'none';
  }
}

/** CI must be green for the branch head: trigger a build when there is none, wait while it runs, stall on failure. */
export function planBuild(product: Product, observed: BuildObservation): FacetPlan {
  const short = `${observed.branch}@${observed.head.slice(0, 7)}`;
  const build = observed.build;
  switch (build?.state) {
    case 'succeeded':
      return {
        actions: [],
        status: {
          state: 'ready',
          reason: 'BuildSucceeded',
          message: `${short} built in ${seconds(build.durationMs)}`,
        },
      };
    case 'queued':
    case 'running':
      return {
        actions: [],
        status: {
          state: 'progressing',
          reason: 'BuildRunning',
          message: `build ${build.buildId} of ${short} is ${build.state}`,
          requeueAfterMs: 1000,
        },
      };
    case 'failed':
    case 'timed-out': {
      const failure = build.failure;
      const step = failure
        ? `step ${failure.step + 1} \`${failure.command}\` ${failure.exitCode === null ? `ended by ${failure.signal ?? 'a signal'}` : `exited ${failure.exitCode}`}`
        : 'the build';
      const what = build.state === 'timed-out' ? `timed out (${step})` : `failed: ${step}`;
      const tail = failure?.logTail ? `\n${lastLines(failure.logTail, 12)}` : '';
      return {
        actions: [],
        status: {
          state: 'stalled',
          reason: build.state === 'timed-out' ? 'BuildTimedOut' : 'BuildFailed',
          message: `build of ${short} ${what}${tail}`,
        },
      };
    }
    default: {
      const retry = build?.state === 'aborted';
      const action: ProposedAction = {
        kind: 'build.trigger',
        params: {
          ci: observed.ci,
          repoUrl: observed.repoUrl,
          branch: observed.branch,
          commit: observed.head,
          steps: product.manifest.spec.build?.steps ?? [],
          timeoutMs: parseDuration(product.manifest.spec.build?.timeout ?? DEFAULT_TIMEOUT),
          env: product.manifest.spec.build?.env ?? {},
        },
        reason: retry
          ? `build ${build.buildId} of ${short} was aborted; build it again`
          : `no build of ${short} yet`,
        idempotencyKey: `build.trigger:${product.id}@${observed.head}${retry ? `:after:${build.buildId}` : ''}`,
        changeClass: 'run',
      };
      return {
        actions: [action],
        status: { state: 'progressing', reason: 'BuildNeeded', message: action.reason },
      };
    }
  }
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'unknown time' : `${(ms / 1000).toFixed(1)}s`;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
