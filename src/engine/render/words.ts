import type { Blocker, GatedAction } from '../../actions/action.js';

/** Why an action cannot run now, in plain words; `name` turns an action id into words (`infra.apply (1a2b…)`). */
export function describeBlocker(blocker: Blocker, name: (actionId: string) => string = (id) => id): string {
  switch (blocker.type) {
    case 'waiting-on':
      return `waits on ${blocker.actions.map(name).join(', ')}`;
    case 'dependency-not-ready':
      return `waits for ${blocker.products.join(', ')} to be Ready`;
    case 'denied':
      return `denied by ${blocker.rules.join(', ')}${blocker.message ? `: ${blocker.message}` : ''}`;
    case 'awaiting-approval':
      return `awaiting approval by ${blocker.approvers.join(' or ') || 'an approver'} (${blocker.rules.join(', ')})`;
    case 'backoff':
      return `backing off until ${blocker.until} (attempt ${blocker.attempts})`;
    case 'suspended':
      return 'product suspended';
    case 'in-progress':
      return `in progress since ${blocker.since}`;
    case 'failed':
      return `failed (${blocker.reason}): ${blocker.message}`;
  }
}

/** The verdict as one short phrase: `allow`, `deny (rule-a, rule-b)`. */
export function describeVerdict(action: GatedAction): string {
  const { verdict } = action;
  const rules =
    verdict.rules.length > 0 ? ` (${verdict.rules.join(', ')})` : verdict.byDefault ? ' (default)' : '';
  const enforcement =
    verdict.effect === 'deny' || verdict.effect === 'require-approval' ? `, ${verdict.enforcement}` : '';
  return `${verdict.effect}${rules}${enforcement ? enforcement : ''}`;
}

/** Blockers other than waiting on actions that will run first. */
export function hardBlockers(action: GatedAction): Blocker[] {
  return action.blockedBy.filter((blocker) => blocker.type !== 'waiting-on');
}

/** An action as a reader finds it in a plan: its kind, environment, product when another's, and id. */
export function nameActions(actions: readonly GatedAction[], product?: string): (actionId: string) => string {
  const byId = new Map(actions.map((action) => [action.id, action]));
  return (id) => {
    const action = byId.get(id);
    if (!action) return id;
    const where = action.environment ? ` ${action.environment}` : '';
    const whose = action.product === product ? '' : ` of ${action.product}`;
    return `${action.kind}${where}${whose} (${id})`;
  };
}
