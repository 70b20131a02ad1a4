import { createHash } from 'node:crypto';
import { canonicalJson } from '../../actions/canonical.js';
import {
  type BuildRecord,
  type BuildSpec,
  type BuildSpecField,
  type BuildSpecHash,
  buildSpecOf,
  hashBuildSpec,
} from '../../backends/ci.js';
import type { Product } from '../../fleet/model.js';
import type { FacetPlan, PlanContext, ProposedAction } from '../facet.js';
import { freshKey } from '../keys.js';
import { planJenkinsfile } from './jenkinsfile.js';
import type { BuildObservation } from './observe.js';

/** green: the head built; red: it failed; running; none: no build of the head (or it was aborted). */
export function buildState(observed: BuildObservation): string {
  return buildWord(observed.build ?? undefined);
}

/** The word for one build of a commit: green, red, running, or none (no build, or aborted). */
export function buildWord(build: BuildRecord | undefined): string {
  switch (build?.state) {
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

/**
 * CI must be green for the branch head, built with the build spec as it is now: trigger a build
 * when there is none or the spec changed since the last one, wait while it runs, stall on failure.
 */
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
  const spec = buildSpecOf(product, observed.ci);
  const wanted = { spec, hash: hashBuildSpec(spec) };
  const changed = build ? specChanges(build.spec, wanted.hash) : undefined;
  const rebuild = (): FacetPlan =>
    planTrigger(product, observed, wanted, journal, {
      reason: `the build spec changed since ${short} was built${listed(changed)}`,
      keySuffix: `:spec:${wanted.hash.hash}`,
    });
  switch (build?.state) {
    case 'succeeded':
      if (changed) return rebuild();
      return {
        actions: [],
        status: {
          state: 'ready',
          reason: 'BuildSucceeded',
          message: `${short} built in ${seconds(build.durationMs)}`,
        },
      };
    case 'queued':
    case 'running': {
      // A backend starts no second build of a commit while one is live: the new spec waits for it.
      const then = changed
        ? `, with an earlier build spec${listed(changed)}: it is built again once this one ends`
        : '';
      return {
        actions: [],
        status: {
          state: 'progressing',
          reason: 'BuildRunning',
          message: `build ${build.buildId} of ${short} is ${build.state}${then}`,
          requeueAfterMs: 1000,
        },
      };
    }
    case 'failed':
    case 'timed-out': {
      // A changed spec is what a person does about a red build: try it.
      if (changed) return rebuild();
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
      return planTrigger(product, observed, wanted, journal, {
        reason: retry
          ? `build ${build.buildId} of ${short} was aborted; build it again`
          : `no build of ${short} yet`,
        keySuffix: retry ? `:after:${build.buildId}` : '',
        reasonIfGone: `the build of ${short} that was started is gone; build it again`,
      });
    }
  }
}

/**
 * The fields of the build spec that differ from those the build was made with (empty when the
 * record names none of them); undefined when the spec is the same, or when the build recorded
 * none. A build recorded before backends kept the spec counts as made with the current one, so
 * that an upgrade rebuilds no product: a spec changed before its branch gets a new commit is
 * built with that commit, as before.
 */
function specChanges(
  recorded: BuildSpecHash | undefined,
  wanted: BuildSpecHash,
): BuildSpecField[] | undefined {
  if (recorded === undefined || recorded.hash === wanted.hash) return undefined;
  const fields = Object.keys(wanted.fields) as BuildSpecField[];
  return fields.filter((field) => {
    const before = recorded.fields[field];
    return before !== undefined && before !== wanted.fields[field];
  });
}

/** ` (steps, env)`; nothing when no field is known to differ. */
function listed(fields: readonly BuildSpecField[] | undefined): string {
  return fields && fields.length > 0 ? ` (${fields.join(', ')})` : '';
}

/**
 * build.trigger of the head with the spec's steps, env (secret references, resolved by the
 * actuator) and timeout, and their hashes: the backend records them with the build, and the key
 * ends with `keySuffix` (a rebuild for a new spec is a new action).
 */
function planTrigger(
  product: Product,
  observed: BuildObservation,
  wanted: { spec: BuildSpec; hash: BuildSpecHash },
  journal: PlanContext['journal'] | undefined,
  why: { reason: string; keySuffix: string; reasonIfGone?: string },
): FacetPlan {
  const { spec, hash } = wanted;
  const action: ProposedAction = {
    kind: 'build.trigger',
    params: {
      ci: observed.ci,
      repoUrl: observed.repoUrl,
      branch: observed.branch,
      commit: observed.head,
      steps: spec.steps,
      timeoutMs: spec.timeoutMs,
      env: spec.env,
      spec: hash,
      ...(spec.artifacts.length > 0 ? { artifacts: spec.artifacts } : {}),
    },
    reason: why.reason,
    idempotencyKey: `build.trigger:${product.id}@${observed.head}${why.keySuffix}`,
    changeClass: 'run',
  };
  // A trigger the journal says succeeded, whose build is nowhere to be seen, lost its build
  // (a job deleted, build records removed): trigger again, under a key derived from the last.
  // So does a rebuild for a spec the head was built with before (changed, then changed back).
  const fresh = freshKey(action.idempotencyKey, journal);
  if (fresh !== action.idempotencyKey) {
    action.idempotencyKey = fresh;
    action.reason = why.reasonIfGone ?? action.reason;
  }
  return {
    actions: [action],
    status: { state: 'progressing', reason: 'BuildNeeded', message: action.reason },
  };
}

/**
 * build.trigger of a commit that is not the branch head (a release's, once the branch moved on),
 * with the product's build spec as it is now: what another facet proposes when it needs that
 * commit built. The build facet builds heads only.
 */
export function triggerCommit(
  product: Product,
  target: Pick<BuildObservation, 'ci' | 'repoUrl' | 'branch'> & { commit: string },
  reason: string,
  journal: PlanContext['journal'] | undefined,
): ProposedAction {
  const spec = buildSpecOf(product, target.ci);
  const observed = { ...target, head: target.commit, build: null };
  const planned = planTrigger(product, observed, { spec, hash: hashBuildSpec(spec) }, journal, {
    reason,
    keySuffix: '',
  });
  return planned.actions[0] as ProposedAction;
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
