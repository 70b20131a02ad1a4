import type { Action, Blocker, Verdict } from '../actions/action.js';
import type { Approval } from '../store/store.js';

/** Whether an action may run as far as the constitution is concerned, and on whose approval. */
export interface GateDecision {
  allowed: boolean;
  /** Why not, when not allowed: `denied` or `awaiting-approval`. */
  blocker?: Blocker;
  /** The approvers whose approvals let it through (require-approval, soft deny); else empty. */
  approvedBy: string[];
}

/**
 * Applies a verdict, given the approvals on record.
 * - allow, warn: allowed.
 * - require-approval (any enforcement), and soft deny: allowed once an approval targets the
 *   action's id or the plan's id and is by one of `verdict.approvers`; approvals by anyone else
 *   do not count. Otherwise blocked, awaiting approval.
 * - hard deny: never allowed; only an exception in the constitution lifts it. A deny verdict
 *   with advisory enforcement is malformed (evaluate never makes one) and is treated as hard.
 */
export function decide(
  action: Action,
  verdict: Verdict,
  approvals: readonly Approval[],
  planId: string | null,
): GateDecision {
  if (verdict.effect === 'allow' || verdict.effect === 'warn') return { allowed: true, approvedBy: [] };
  if (verdict.effect === 'deny' && verdict.enforcement !== 'soft') {
    return {
      allowed: false,
      blocker: { type: 'denied', rules: [...verdict.rules], message: denialMessage(verdict) },
      approvedBy: [],
    };
  }
  const approvedBy = approversWhoApproved(action, verdict, approvals, planId);
  if (approvedBy.length > 0) return { allowed: true, approvedBy };
  return {
    allowed: false,
    blocker: { type: 'awaiting-approval', rules: [...verdict.rules], approvers: [...verdict.approvers] },
    approvedBy: [],
  };
}

/** Distinct listed approvers with an approval of this action or its plan, in approval order. */
function approversWhoApproved(
  action: Action,
  verdict: Verdict,
  approvals: readonly Approval[],
  planId: string | null,
): string[] {
  const targets = new Set(planId === null ? [action.id] : [action.id, planId]);
  const approvers = new Set(verdict.approvers);
  const found = new Set<string>();
  for (const approval of approvals) {
    if (targets.has(approval.target) && approvers.has(approval.by)) found.add(approval.by);
  }
  return [...found];
}

/** The rules' messages, or which rules denied. */
export function denialMessage(verdict: Verdict): string {
  if (verdict.messages.length > 0) return verdict.messages.join(' ');
  if (verdict.rules.length === 0) return "denied by the constitution's default effect";
  const noun = verdict.rules.length === 1 ? 'rule' : 'rules';
  return `denied by ${noun} ${verdict.rules.join(', ')}`;
}
