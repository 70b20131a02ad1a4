import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatedAction, Verdict } from '../../actions/action.js';
import { approvalTargetKind, fleetApprovers, notATarget, recordApproval } from '../../engine/approvals.js';
import type { Plan } from '../../engine/plan-model.js';
import type { FleetRun } from '../../engine/reconcile.js';
import type { Fleet } from '../../fleet/model.js';
import { redactor } from '../../log/redact.js';
import { resolveSecret } from '../../secrets/resolve.js';
import type { Approval } from '../../store/store.js';
import { tokenMatches } from '../webhooks/verify.js';
import type { ApiOptions, ApiState } from './index.js';

/** The largest body `POST /api/approvals` takes: an id, a name and a reason fit many times over. */
export const API_BODY_LIMIT = 16 * 1024;

/** What `POST /api/approvals` takes. */
export interface ApprovalRequest {
  target: string;
  by: string;
  reason?: string;
}

/** An action or a plan found for an approval; `unsaved` is the daemon's current plan, not yet in the state. */
export type ApprovalTarget =
  | { kind: 'action'; action: GatedAction }
  | { kind: 'plan'; plan: Plan; unsaved: boolean };

/**
 * `POST /api/approvals` once the fleet is loaded: records the approval (201) and queues what it lets
 * run, or answers why not: 409 in a dry run, 400 for a malformed body, 404 for an unknown target,
 * and approvalRefusal's 403 or 409.
 */
export function approve(
  run: FleetRun,
  body: unknown,
  reply: FastifyReply,
  options: ApiOptions,
): FastifyReply {
  if (options.dryRun)
    return reply.code(409).send({
      error: 'this daemon is a dry run: an approval here would be lost; approve with `codemonkeys approve`',
    });
  const input = parseApprovalRequest(body);
  if (typeof input === 'string') return reply.code(400).send({ error: input });
  const target = findTarget(run, input.target);
  if (!target) return reply.code(404).send({ error: `no action or plan ${input.target} is known now` });
  const refusal = approvalRefusal(run.runtime.fleet, target, input.by);
  if (refusal) return reply.code(refusal.status).send({ error: refusal.error });
  const approval: Approval = {
    target: input.target,
    by: input.by,
    reason: input.reason ?? null,
    at: run.runtime.clock().toISOString(),
  };
  const plan = target.kind === 'plan' && target.unsaved ? target.plan : undefined;
  recordApproval(run.runtime.store, approval, plan);
  const products = productsOf(target);
  // The approved action runs now, not at the next resync; a plan's approvals are read at a reload.
  if (target.kind === 'action') run.enqueue(products);
  else run.resync();
  options.logger.info({ target: input.target, by: input.by, products }, 'approved through the API');
  return reply.code(201).send({ approved: target.kind, approval, products });
}

/**
 * The bearer token of `spec.watch.api.token`, read again for each request (it follows the fleet
 * revision in force; resolveSecret registers it with the redactor), compared in constant time.
 * Answers 503 when none is configured or it cannot be read, 401 when the request lacks it.
 */
export async function authorize(
  request: FastifyRequest,
  reply: FastifyReply,
  state: ApiState,
  options: ApiOptions,
): Promise<FastifyReply | undefined> {
  const runtime = state.run?.runtime;
  if (!runtime) return reply.code(503).send({ error: state.notLoaded ?? 'loading the fleet' });
  const ref = runtime.fleet.fleet.manifest.spec.watch?.api?.token;
  if (ref === undefined) {
    return reply
      .code(503)
      .send({ error: 'approving through the API is off: set spec.watch.api.token in fleet.yaml' });
  }
  let token: string;
  try {
    token = await resolveSecret(ref, { env: options.env, baseDir: runtime.fleetDir });
  } catch (error) {
    const message = redactor.redactText(error instanceof Error ? error.message : String(error));
    options.logger.error({ err: message }, 'the API token cannot be read');
    return reply.code(503).send({ error: `the API token (spec.watch.api.token) cannot be read: ${message}` });
  }
  const header = request.headers.authorization;
  const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  if (!tokenMatches(token, given)) {
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({ error: 'Authorization: Bearer <the token of spec.watch.api.token> is required' });
  }
  return undefined;
}

/** The request's fields, or what is wrong with them. */
function parseApprovalRequest(body: unknown): ApprovalRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'the body is a JSON object: { "target": "<action or plan id>", "by": "<approver>", "reason"?: "…" }';
  const { target, by, reason } = body as Record<string, unknown>;
  if (typeof target !== 'string')
    return 'target is an action id (16 hex digits) or a plan id (64 hex digits)';
  if (approvalTargetKind(target) === undefined) return notATarget(target);
  if (typeof by !== 'string' || by.trim() === '' || by.length > 200)
    return 'by names who approves (a non-empty string of at most 200 characters)';
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 2000))
    return 'reason, when given, is a string of at most 2000 characters';
  return reason === undefined || reason === '' ? { target, by } : { target, by, reason };
}

/** The action with this id in a product's last reconcile, or the plan with this id: now, or saved. */
function findTarget(run: FleetRun, id: string): ApprovalTarget | undefined {
  if (approvalTargetKind(id) === 'action') {
    for (const result of run.results.values()) {
      const action = result.actions.find((each) => each.id === id);
      if (action) return { kind: 'action', action };
    }
    return undefined;
  }
  const current = run.plan();
  if (current.id === id)
    return { kind: 'plan', plan: current, unsaved: run.runtime.store.plan(id) === undefined };
  const saved = run.runtime.store.plan(id) as Plan | undefined;
  return saved ? { kind: 'plan', plan: saved, unsaved: false } : undefined;
}

/**
 * Why `by` may not approve the target, with the status to answer: 403 when the approval would not
 * count (`by` is not among the verdict's approvers, or a hard deny that no approval lifts), 409
 * when there is nothing to approve. Undefined: it may. A plan may be approved by anyone who may
 * approve one of its actions; the approval counts for those actions only, as `decide` reads it.
 */
export function approvalRefusal(
  fleet: Fleet,
  target: ApprovalTarget,
  by: string,
): { status: 403 | 409; error: string } | undefined {
  const stranger = fleetApprovers(fleet).has(by) ? '' : ` (${by} is not an approver of any rule or org)`;
  if (target.kind === 'action') {
    const { action } = target;
    const name = `${action.kind} of ${action.product} (${action.id})`;
    if (!needsApproval(action.verdict)) {
      if (action.verdict.effect === 'deny')
        return {
          status: 403,
          error: `${name} is denied by ${action.verdict.rules.join(', ') || 'default'}: no approval lifts it, only an exception in the constitution`,
        };
      return { status: 409, error: `${name} needs no approval: its verdict is ${action.verdict.effect}` };
    }
    if (action.verdict.approvers.includes(by)) return undefined;
    return {
      status: 403,
      error: `${by} may not approve ${name}: its approvers are ${action.verdict.approvers.join(', ') || 'none'}${stranger}`,
    };
  }
  const gated = target.plan.actions.filter((action) => needsApproval(action.verdict));
  if (gated.length === 0)
    return { status: 409, error: `plan ${target.plan.id} has no action that needs approval` };
  if (gated.some((action) => action.verdict.approvers.includes(by))) return undefined;
  const approvers = [...new Set(gated.flatMap((action) => action.verdict.approvers))];
  return {
    status: 403,
    error: `${by} may not approve any action of plan ${target.plan.id}: their approvers are ${approvers.join(', ') || 'none'}${stranger}`,
  };
}

/** require-approval, or a soft deny: what an approval by one of the verdict's approvers lets through. */
function needsApproval(verdict: Verdict): boolean {
  return (
    verdict.effect === 'require-approval' || (verdict.effect === 'deny' && verdict.enforcement === 'soft')
  );
}

function productsOf(target: ApprovalTarget): string[] {
  if (target.kind === 'action') return [target.action.product];
  return [...new Set(target.plan.actions.map((action) => action.product))];
}
