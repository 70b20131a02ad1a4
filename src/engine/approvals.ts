import type { Fleet } from '../fleet/model.js';
import type { Approval, StateStore } from '../store/store.js';

/**
 * Approvals, as `codemonkeys approve` and the daemon's `POST /api/approvals` record them: one
 * of an action (its id) or of a whole plan (its id), attributed and bound to that content.
 */

const ACTION_ID = /^[0-9a-f]{16}$/;
const PLAN_ID = /^[0-9a-f]{64}$/;

/** What an approval's target names: an action (16 hex digits) or a whole plan (64); undefined for neither. */
export function approvalTargetKind(id: string): 'action' | 'plan' | undefined {
  if (ACTION_ID.test(id)) return 'action';
  if (PLAN_ID.test(id)) return 'plan';
  return undefined;
}

/** Why `id` cannot be approved at all, as `approve` and the API say it. */
export function notATarget(id: string): string {
  return `'${id}' is neither an action id (16 hex digits) nor a plan id (64 hex digits)`;
}

/**
 * Everyone whose approval can count somewhere in the fleet: the orgs' approvers and those the
 * constitution's rules name. An approval by anyone else is recorded by `approve` with a warning,
 * and refused by the API.
 */
export function fleetApprovers(fleet: Fleet): Set<string> {
  return new Set([
    ...fleet.fleet.manifest.spec.orgs.flatMap((org) => org.approvers ?? []),
    ...(fleet.constitution.manifest.spec.rules?.flatMap((rule) => rule.approvers ?? []) ?? []),
  ]);
}

/**
 * Records an approval as `approve` does: the plan it names first, when given (a run reconciles
 * product by product and knows a plan's actions only from the state), then the approval, which
 * the store writes to the audit log in the same transaction.
 */
export function recordApproval(store: StateStore, approval: Approval, plan?: unknown): void {
  if (plan !== undefined) store.savePlan(approval.target, plan, new Date(approval.at));
  store.addApproval(approval);
}
