import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FleetRun } from '../../engine/reconcile.js';
import type { Logger } from '../../log/logger.js';
import { API_BODY_LIMIT, approve, authorize } from './approvals.js';
import { viewProduct } from './products.js';

export {
  API_BODY_LIMIT,
  type ApprovalRequest,
  type ApprovalTarget,
  approvalRefusal,
} from './approvals.js';
export { type BlockedAction, BUILDS_SHOWN, type BuildDuration, type ProductView } from './products.js';

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
      return approve(run, request.body, reply, options);
    },
  );
}
