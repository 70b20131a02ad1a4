import type { Product } from '../../fleet/model.js';
import type { FacetPlan, FacetStatus, PlanContext, ProposedAction } from '../facet.js';
import { freshKey } from '../keys.js';
import type { DeployObservation, EnvironmentObservation, TaskNote } from './observe.js';

const SHOWN_TASKS = 3;

/** One word per product for constitution `when.observed`: current, drifted, failing or unreleased. */
export function deployState(observed: DeployObservation): string {
  const envs = observed.environments;
  if (envs.some((env) => (env.check?.failed.length ?? 0) > 0)) return 'failing';
  if (envs.some((env) => (env.check?.changed.length ?? 0) > 0)) return 'drifted';
  if (envs.length > 0 && envs.every((env) => env.release === undefined)) return 'unreleased';
  return 'current';
}

/** Each environment runs its wanted release: `deploy.apply` where the check says a deploy would change something. */
export function planDeploy(
  product: Product,
  observed: DeployObservation,
  context?: Pick<PlanContext, 'journal'>,
): FacetPlan {
  const actions: ProposedAction[] = [];
  const statuses: FacetStatus[] = [];
  for (const env of observed.environments) {
    const planned = planEnvironment(product, env, context);
    if (planned.action) actions.push(planned.action);
    statuses.push(planned.status);
  }
  return { actions, status: combine(statuses) };
}

function planEnvironment(
  product: Product,
  env: EnvironmentObservation,
  context?: Pick<PlanContext, 'journal'>,
): { action?: ProposedAction; status: FacetStatus } {
  const name = env.environment;
  const release = env.release;
  if (!release) {
    if (env.wanted === 'latest') {
      return {
        status: { state: 'ready', reason: 'NothingReleased', message: `${name}: nothing released yet` },
      };
    }
    return {
      status: {
        state: 'stalled',
        reason: 'ReleaseNotFound',
        message: `${name}: no release ${env.wanted} (no such tag)`,
      },
    };
  }
  const check = env.check ?? { changed: [], failed: [], hosts: 0 };
  if (check.failed.length > 0) {
    return {
      status: {
        state: 'stalled',
        reason: 'DeployCheckFailed',
        message: `${name}: the check of ${release.version} failed: ${describe(check.failed)}`,
      },
    };
  }
  if (check.changed.length === 0) {
    return { status: { state: 'ready', reason: 'Deployed', message: `${name} runs ${release.version}` } };
  }
  // Drift again after a deploy (changed behind our back): deploy again, under a key derived from the last.
  const key = freshKey(`deploy.apply:${product.id}:${name}:${release.version}`, context?.journal);
  const running = [...new Set(Object.values(env.running))];
  const from = running.length === 0 ? '' : ` (runs ${running.join(', ')})`;
  const action: ProposedAction = {
    kind: 'deploy.apply',
    environment: name,
    params: { environment: name, version: release.version, tag: release.tag, commit: release.commit },
    reason: `deploy ${release.version} to ${name}${from}: ${describe(check.changed)} would change`,
    idempotencyKey: key,
    changeClass: 'change',
  };
  return {
    action,
    status: { state: 'progressing', reason: 'DeployNeeded', message: `${name}: ${action.reason}` },
  };
}

/** `Copy the site on web1, Write the marker on web1 and 2 more`. */
function describe(notes: readonly TaskNote[]): string {
  const shown = notes
    .slice(0, SHOWN_TASKS)
    .map((note) => `${note.task} on ${note.host}${note.message ? `: ${note.message}` : ''}`);
  const more = notes.length - SHOWN_TASKS;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** The product's deploy status: the worst environment's state, every environment's message. */
function combine(statuses: FacetStatus[]): FacetStatus {
  const order: FacetStatus['state'][] = ['stalled', 'progressing', 'ready'];
  const state = order.find((each) => statuses.some((status) => status.state === each)) ?? 'ready';
  const worst = statuses.find((status) => status.state === state);
  return {
    state,
    reason: worst?.reason ?? 'NoEnvironments',
    message: statuses.map((status) => status.message).join('; ') || 'no environments',
  };
}
