import type { Blocker, GatedAction } from '../../actions/action.js';

/** Why an action cannot run now, in plain words. */
export function describeBlocker(blocker: Blocker): string {
  switch (blocker.type) {
    case 'waiting-on':
      return `waits on ${blocker.actions.join(', ')}`;
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
