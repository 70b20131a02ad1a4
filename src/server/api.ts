import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatedAction, Verdict } from '../actions/action.js';
import type { BuildRecord, BuildState } from '../backends/ci.js';
import { isRunId } from '../backends/localci/layout.js';
import { isFinal, readStored } from '../backends/localci/record.js';
import { approvalTargetKind, fleetApprovers, notATarget, recordApproval } from '../engine/approvals.js';
import type { Plan, ProductPlanStatus } from '../engine/plan-model.js';
import type { ProductResult } from '../engine/product.js';
import type { FleetRun } from '../engine/reconcile.js';
import { describeBlocker, nameActions } from '../engine/render/words.js';
import type { BuildObservation } from '../facets/build/observe.js';
import { FACETS } from '../facets/index.js';
import type { Fleet } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import { resolveSecret } from '../secrets/resolve.js';
import type { Approval, Condition } from '../store/store.js';
import { tokenMatches } from './webhooks/verify.js';

/** The largest body `POST /api/approvals` takes: an id, a name and a reason fit many times over. */
export const API_BODY_LIMIT = 16 * 1024;

/** Recent builds `GET /api/products` shows per product. */
export const BUILDS_SHOWN = 20;

/** What the daemon knows of its run (its DaemonState), read on every request. */
export interface ApiState {
  run?: FleetRun;
  /** Why the fleet is not loaded. */
  notLoaded?: string;
  /** The newest fleet revision that failed validation while an older one stays in force. */
  invalid?: { revision: string | null; message: string; inForce: string | null };
}

export interface ApiOptions {
  /** Where `spec.watch.api.token`'s `{ env }` reference is read. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** `watch --dry-run`: its state is a copy in memory, so approvals are refused (409) rather than lost. */
  dryRun?: boolean;
}

/** A product as `GET /api/products` shows it. */
export interface ProductView {
  id: string;
  org: string;
  conditions: Condition[];
  status: ProductPlanStatus | null;
  /** When its last reconcile observed it (on the daemon's clock); null before any. */
  lastReconciledAt: string | null;
  /** Its actions that cannot run now, each with why and who may approve it. */
  blocked: BlockedAction[];
  /** Its newest finished builds (BUILDS_SHOWN at most), newest first. */
  builds: BuildDuration[];
}

export interface BlockedAction {
  id: string;
  kind: string;
  reason: string;
  /** Each blocker in plain words: `awaiting approval by bob (ask-bob)`. */
  why: string[];
  /** The messages of the rules that decided its verdict. */
  messages: string[];
  /** Who may approve it now: the rules' approvers, else the org's; empty when no approval would lift it. */
  approvers: string[];
}

export interface BuildDuration {
  commit: string;
  state: BuildState;
  durationMs: number;
  finishedAt: string;
}

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
 * Health, readiness and the JSON API: `GET /healthz`, `/readyz`, `/api/products`, `/api/plan`,
 * `/api/audit`, and `POST /api/approvals`, the one route that acts, behind the bearer token of
 * `spec.watch.api.token`.
 */
export function registerApi(app: FastifyInstance, state: ApiState, options: ApiOptions): void {
  const notLoaded = (reply: FastifyReply) =>
    reply.code(503).send({ error: state.notLoaded ?? 'loading the fleet' });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    if (state.run)
      return { ready: true, revision: state.run.runtime.fleet.revision, invalid: state.invalid ?? null };
    return reply.code(503).send({ ready: false, why: state.notLoaded ?? 'loading the fleet' });
  });
  app.get('/api/products', async (_request, reply) => {
    const run = state.run;
    if (!run) return notLoaded(reply);
    const products = [...run.runtime.fleet.products.keys()];
    return {
      revision: run.runtime.fleet.revision,
      invalidRevision: state.invalid ?? null,
      products: await Promise.all(products.map((id) => viewProduct(run, id))),
    };
  });
  app.get('/api/plan', async (_request, reply) => (state.run ? state.run.plan() : notLoaded(reply)));
  app.get<{ Querystring: { product?: string; limit?: string } }>('/api/audit', async (request, reply) => {
    if (!state.run) return notLoaded(reply);
    const limit = Math.min(1000, Math.max(1, Number(request.query.limit ?? 100) || 100));
    const filter =
      request.query.product === undefined ? { limit } : { product: request.query.product, limit };
    return { entries: state.run.runtime.store.audit(filter) };
  });
  app.post(
    '/api/approvals',
    { bodyLimit: API_BODY_LIMIT, onRequest: (request, reply) => authorize(request, reply, state, options) },
    async (request, reply) => {
      const run = state.run;
      if (!run) return notLoaded(reply);
      if (options.dryRun)
        return reply.code(409).send({
          error:
            'this daemon is a dry run: an approval here would be lost; approve with `codemonkeys approve`',
        });
      const input = parseApprovalRequest(request.body);
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
    },
  );
}

/**
 * The bearer token of `spec.watch.api.token`, read again for each request (it follows the fleet
 * revision in force; resolveSecret registers it with the redactor), compared in constant time.
 * Answers 503 when none is configured or it cannot be read, 401 when the request lacks it.
 */
async function authorize(
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

async function viewProduct(run: FleetRun, id: string): Promise<ProductView> {
  const { fleet, store } = run.runtime;
  const result = run.results.get(id);
  return {
    id,
    org: fleet.products.get(id)?.manifest.metadata.org ?? id.split('/')[0] ?? '',
    conditions: store.conditions(id).get(id) ?? [],
    status: result?.status ?? null,
    lastReconciledAt: lastReconciledAt(run, id, result),
    blocked: blockedActions(result?.actions ?? [], id),
    builds: await buildDurations(run.runtime.stateDir, id, observedBuild(result)),
  };
}

/** When the product was last observed: by this run's last reconcile of it, else as the state recorded. */
function lastReconciledAt(run: FleetRun, id: string, result: ProductResult | undefined): string | null {
  const times = result
    ? Object.values(result.observation?.facets ?? {}).map((facet) => facet.observedAt)
    : [...FACETS.keys()].map((facet) => run.runtime.store.observation(id, facet)?.observedAt);
  const known = times.filter((time): time is string => time !== undefined).sort();
  return known.at(-1) ?? null;
}

function blockedActions(actions: readonly GatedAction[], product: string): BlockedAction[] {
  const name = nameActions(actions, product);
  return actions
    .filter((action) => action.blockedBy.length > 0)
    .map((action) => ({
      id: action.id,
      kind: action.kind,
      reason: action.reason,
      why: action.blockedBy.map((blocker) => describeBlocker(blocker, name)),
      messages: action.verdict.messages,
      approvers: action.blockedBy.some((blocker) => blocker.type === 'awaiting-approval')
        ? action.verdict.approvers
        : [],
    }));
}

/** The newest build the engine observed for the product's head (the one a Jenkins product has). */
function observedBuild(result: ProductResult | undefined): BuildRecord | undefined {
  const build = result?.observation?.facets.build;
  return build?.ok ? ((build.value as BuildObservation).build ?? undefined) : undefined;
}

/**
 * The product's newest finished builds: the local runner's records (`<state>/ci/builds/<org>/
 * <name>/<commit>/<runId>/record.json`, every build it ran and still keeps), with the newest
 * build the engine observed when the runner does not have it (a build on Jenkins).
 */
async function buildDurations(
  stateDir: string,
  product: string,
  observed: BuildRecord | undefined,
): Promise<BuildDuration[]> {
  const records = await localBuilds(join(stateDir, 'ci', 'builds', ...product.split('/')));
  if (observed && !records.some((record) => record.buildId === observed.buildId)) records.push(observed);
  const builds: BuildDuration[] = [];
  for (const { commit, state, durationMs, finishedAt } of records) {
    if (isFinal(state) && durationMs !== undefined && finishedAt !== undefined)
      builds.push({ commit, state, durationMs, finishedAt });
  }
  builds.sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : a.finishedAt > b.finishedAt ? -1 : 0));
  return builds.slice(0, BUILDS_SHOWN);
}

/** Every build recorded under one product's folder of the local runner; none when it has none. */
async function localBuilds(dir: string): Promise<BuildRecord[]> {
  const list = (path: string) => readdir(path).catch(() => [] as string[]);
  const runs = await Promise.all(
    (await list(dir)).map(async (commit) =>
      (await list(join(dir, commit))).filter(isRunId).map((run) => join(dir, commit, run, 'record.json')),
    ),
  );
  const records = await Promise.all(runs.flat().map((path) => readStored(path).catch(() => undefined)));
  return records.filter((record) => record !== undefined);
}
