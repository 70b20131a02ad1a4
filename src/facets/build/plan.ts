import { createHash } from 'node:crypto';
import { canonicalJson } from '../../actions/canonical.js';
import type { Product } from '../../fleet/model.js';
import { parseDuration } from '../../util/duration.js';
import type { FacetPlan, PlanContext, ProposedAction } from '../facet.js';
import { freshKey } from '../keys.js';
import { planJenkinsfile } from './jenkinsfile.js';
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
export function planBuild(
  product: Product,
  observed: BuildObservation,
  context?: Pick<PlanContext, 'journal'>,
): FacetPlan {
  return withJenkinsfile(product, observed, planJob(product, observed, context), context);
}

/** The Jenkinsfile in the repo follows the spec too: proposed on a branch, beside the build's own actions. */
function withJenkinsfile(
  product: Product,
  observed: BuildObservation,
  planned: FacetPlan,
  context?: Pick<PlanContext, 'journal'>,
): FacetPlan {
  if (!observed.jenkinsfile) return planned;
  const { action, note } = planJenkinsfile(
    product,
    { ...observed, jenkinsfile: observed.jenkinsfile },
    context?.journal,
  );
  const status = note ? { ...planned.status, message: `${planned.status.message}; ${note}` } : planned.status;
  return { actions: action ? [...planned.actions, action] : planned.actions, status };
}

/** The build itself, with the backend's job configured first when it is missing or drifted. */
function planJob(
  product: Product,
  observed: BuildObservation,
  context?: Pick<PlanContext, 'journal'>,
): FacetPlan {
  const planned = planBuildRun(product, observed, context?.journal);
  if (observed.job === undefined || observed.job === 'current') return planned;
  // The backend's job must match the spec before a build of it means anything.
  const configure: ProposedAction = {
    kind: 'build.configure',
    params: { ci: observed.ci, product: product.id, job: observed.job },
    reason:
      observed.job === 'missing'
        ? `the ${observed.ci} job of ${product.id} does not exist`
        : `the ${observed.ci} job of ${product.id} differs from its spec`,
    idempotencyKey: `build.configure:${product.id}:${canonicalHash(product.manifest.spec.build)}:${observed.job}`,
    changeClass: 'change',
  };
  // The job is missing or drifted again after an earlier configure succeeded: configure again.
  configure.idempotencyKey = freshKey(configure.idempotencyKey, context?.journal);
  const actions = planned.actions.map((action) => ({
    ...action,
    after: [...(action.after ?? []), configure.idempotencyKey],
  }));
  return {
    actions: [configure, ...actions],
    status: { state: 'progressing', reason: 'JobNotCurrent', message: configure.reason },
  };
}

function canonicalHash(value: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(value ?? null))
    .digest('hex')
    .slice(0, 12);
}

function planBuildRun(
  product: Product,
  observed: BuildObservation,
  journal?: PlanContext['journal'],
): FacetPlan {
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
      const step = failure ? describeFailure(failure) : 'the build';
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
      // A trigger the journal says succeeded, whose build is nowhere to be seen, lost its build
      // (a job deleted, build records removed): trigger again, under a key derived from the last.
      const vanished = freshKey(action.idempotencyKey, journal);
      if (vanished !== action.idempotencyKey) {
        action.idempotencyKey = vanished;
        action.reason = `the build of ${short} that was started is gone; build it again`;
      }
      return {
        actions: [action],
        status: { state: 'progressing', reason: 'BuildNeeded', message: action.reason },
      };
    }
  }
}

/** `step 2 \`npm test\` exited 1`; for a failure the backend could not pin to a step, what it knows. */
function describeFailure(failure: NonNullable<BuildObservation['build']>['failure'] & object): string {
  const how =
    failure.exitCode !== null
      ? `exited ${failure.exitCode}`
      : failure.signal !== null
        ? `ended by ${failure.signal}`
        : failure.step < 0
          ? 'failed'
          : 'ended by a signal';
  return failure.step < 0
    ? `${failure.command} ${how}`
    : `step ${failure.step + 1} \`${failure.command}\` ${how}`;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'unknown time' : `${(ms / 1000).toFixed(1)}s`;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
