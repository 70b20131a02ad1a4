import type { GatedAction } from '../actions/action.js';
import type { Condition } from '../store/store.js';
import type { ProductPlanStatus } from './plan-model.js';

/**
 * The product's Ready / Reconciling / Stalled conditions, as Flux's: Stalled when a human must
 * act (a failed build, a denied or failed action, a stalled observation), Reconciling while
 * something runs or is about to, Ready when neither and every facet is where its spec says.
 */
export function productConditions(
  status: ProductPlanStatus,
  actions: GatedAction[],
  runnable: ReadonlySet<string>,
  revision: string | null,
  previous: Condition[] | undefined,
  now: Date,
): Condition[] {
  const stalled = stalledBecause(status, actions);
  const progressing = progressingBecause(status, actions, runnable);
  const make = (type: Condition['type'], value: boolean, reason: string, message: string): Condition => {
    const before = previous?.find((condition) => condition.type === type);
    const statusWord = value ? 'True' : 'False';
    const lastTransitionTime =
      before && before.status === statusWord ? before.lastTransitionTime : now.toISOString();
    return { type, status: statusWord, reason, message, lastTransitionTime, observedRevision: revision };
  };
  if (status.suspended) {
    return [
      make('Ready', false, 'Suspended', 'spec.suspend is true: observed, never acted on'),
      make('Reconciling', false, 'Suspended', ''),
      make('Stalled', false, 'Suspended', ''),
    ];
  }
  const ready = !stalled && !progressing;
  const readyMessage =
    Object.entries(status.facets)
      .map(([facet, each]) => `${facet}: ${each.message}`)
      .join('; ') || 'nothing to reconcile';
  return [
    make(
      'Ready',
      ready,
      ready ? 'Reconciled' : ((stalled ?? progressing)?.reason ?? 'NotReady'),
      ready ? readyMessage : ((stalled ?? progressing)?.message ?? ''),
    ),
    make('Reconciling', Boolean(progressing), progressing?.reason ?? 'Idle', progressing?.message ?? ''),
    make('Stalled', Boolean(stalled), stalled?.reason ?? 'None', stalled?.message ?? ''),
  ];
}

type Why = { reason: string; message: string } | undefined;

function stalledBecause(status: ProductPlanStatus, actions: GatedAction[]): Why {
  for (const [facet, each] of Object.entries(status.facets)) {
    if (each.state === 'stalled') return { reason: each.reason, message: `${facet}: ${each.message}` };
    if (each.state === 'error' && each.next === 'stalled')
      return { reason: each.reason, message: `${facet}: ${each.message}` };
  }
  for (const action of actions) {
    for (const blocker of action.blockedBy) {
      if (blocker.type === 'denied')
        return {
          reason: 'Denied',
          message: `${action.kind} denied by ${blocker.rules.join(', ')}: ${blocker.message}`,
        };
      if (blocker.type === 'failed')
        return { reason: blocker.reason, message: `${action.kind} failed: ${blocker.message}` };
      if (blocker.type === 'awaiting-approval')
        return {
          reason: 'AwaitingApproval',
          message: `${action.kind} (${action.id}) awaits approval by ${blocker.approvers.join(' or ') || 'an approver'}`,
        };
    }
  }
  return undefined;
}

function progressingBecause(
  status: ProductPlanStatus,
  actions: GatedAction[],
  runnable: ReadonlySet<string>,
): Why {
  const pending = actions.filter((action) => runnable.has(action.id));
  if (pending.length > 0)
    return { reason: 'ActionsPending', message: pending.map((action) => action.reason).join('; ') };
  for (const action of actions) {
    const dependency = action.blockedBy.find((blocker) => blocker.type === 'dependency-not-ready');
    if (dependency?.type === 'dependency-not-ready')
      return {
        reason: 'DependencyNotReady',
        message: `waits for ${dependency.products.join(', ')} to be Ready: ${action.reason}`,
      };
  }
  for (const action of actions) {
    const running = action.blockedBy.find(
      (blocker) => blocker.type === 'in-progress' || blocker.type === 'backoff',
    );
    if (running)
      return { reason: running.type === 'backoff' ? 'BackingOff' : 'InProgress', message: action.reason };
  }
  for (const [facet, each] of Object.entries(status.facets)) {
    if (each.state === 'progressing' || each.state === 'error')
      return { reason: each.reason, message: `${facet}: ${each.message}` };
  }
  return undefined;
}

/**
 * A product given up for this run: its errors outlasted the retry budget. Stalled, with the last
 * error and the number of tries; the next run tries again.
 */
export function gaveUpConditions(
  why: { reason: string; message: string; tries: number },
  revision: string | null,
  previous: Condition[] | undefined,
  now: Date,
): Condition[] {
  const message = `gave up for this run after ${why.tries} tries: ${why.message} (${why.reason})`;
  const make = (type: Condition['type'], value: boolean, reason: string, text: string): Condition => {
    const before = previous?.find((condition) => condition.type === type);
    const status = value ? 'True' : 'False';
    const lastTransitionTime =
      before && before.status === status ? before.lastTransitionTime : now.toISOString();
    return { type, status, reason, message: text, lastTransitionTime, observedRevision: revision };
  };
  return [
    make('Ready', false, 'RetriesExhausted', message),
    make('Reconciling', false, 'RetriesExhausted', ''),
    make('Stalled', true, 'RetriesExhausted', message),
  ];
}
