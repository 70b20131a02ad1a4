import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { redactor as processRedactor, type Redactor } from '../../log/redact.js';
import { DeliveryMemory } from './deliveries.js';
import { type Outcome, receive, type WebhookHandlers, type WebhookResult } from './receive.js';
import type { WebhookSource } from './request.js';
import { WEBHOOK_RECEIVERS } from './sources.js';

export type { WebhookHandlers, WebhookResult } from './receive.js';

/** The largest body a webhook may have: 1 MiB. A larger one is refused with 413 as soon as its length shows. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookOptions extends WebhookHandlers {
  /**
   * `spec.watch.webhooks.secret`, resolved. Undefined (or empty): webhooks are not configured,
   * and every hook answers 503 saying so, rather than 404, so that a forge's delivery log tells
   * the operator what to fix instead of suggesting a wrong URL.
   */
  secret: string | undefined | (() => string | undefined);
  /** Every request, accepted or not, once answered: for metrics. */
  onRequest?(source: WebhookSource, result: WebhookResult): void;
  /** Remembers delivery ids; default a new memory of the last 10,000. */
  deliveries?: DeliveryMemory;
  /** Where the secret is registered so that no log line shows it; default the process's. */
  redactor?: Redactor;
}

/** A fastify app on Node's HTTP server, whatever its logger (the daemon gives it the program's pino logger). */
export type App<Logger extends FastifyBaseLogger = FastifyBaseLogger> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger
>;

/**
 * Serves `POST /hooks/github`, `/hooks/gitea`, `/hooks/gitlab` and `/hooks/jenkins`, in a scope
 * of their own whose one body parser keeps the raw bytes (signatures are over them), whatever
 * the content type; the rest of the app keeps fastify's JSON parser. Answers:
 * - 202 `accepted`: the callbacks were called; the body says what was queued;
 * - 202 `ignored` (a ping, another event, a Jenkins phase before FINALIZED) or `unmatched` (no
 *   product and not the fleet repo): authenticated, nothing done;
 * - 200 `duplicate`: a delivery id seen before, nothing done — 200, not 202, because nothing is
 *   accepted for processing; a 2xx, so the sender does not retry;
 * - 401 `unauthorized`, 400 `malformed`, 413 `too-large` (over 1 MiB), 503 `disabled`.
 * Only `onRequest` is called for a request that is not accepted. Neither responses nor log lines
 * carry the secret, headers or the body.
 */
export function registerWebhooks<Logger extends FastifyBaseLogger>(
  app: App<Logger>,
  options: WebhookOptions,
): void {
  // A getter gives the secret of the fleet revision in force (the daemon resolves and registers it).
  const secretNow = (): string | undefined => {
    const value = typeof options.secret === 'function' ? options.secret() : options.secret;
    return value === '' ? undefined : value;
  };
  if (typeof options.secret === 'string' && options.secret !== '')
    (options.redactor ?? processRedactor).register(options.secret);
  const shared = { ...options, deliveries: options.deliveries ?? new DeliveryMemory() };
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const [source, receiver] of WEBHOOK_RECEIVERS) {
      const answer = (log: FastifyBaseLogger, reply: Replying, outcome: Outcome) => {
        options.onRequest?.(source, outcome.result);
        log.info({ source, result: outcome.result, delivery: outcome.delivery }, 'webhook request');
        return reply
          .code(outcome.status)
          .send({ result: outcome.result, delivery: outcome.delivery, ...outcome.details });
      };
      scope.route({
        method: 'POST',
        url: `/hooks/${source}`,
        bodyLimit: WEBHOOK_BODY_LIMIT,
        handler: async (request, reply) =>
          answer(request.log, reply, receive({ ...shared, secret: secretNow() }, source, receiver, request)),
        errorHandler: (error: FastifyError, request, reply) => {
          const outcome = failure(error);
          if (outcome.result === 'failed') request.log.error({ err: error, source }, 'webhook failed');
          return answer(request.log, reply, outcome);
        },
      });
    }
  });
}

/** The part of a fastify reply an answer uses. */
interface Replying {
  code(status: number): { send(body: unknown): unknown };
}

/**
 * A request fastify could not read (its own `FST_` errors: over the body limit, a bad length), or
 * a callback that threw: that one is ours, whatever status its error may carry.
 */
function failure(error: FastifyError): Outcome {
  const status = error.code?.startsWith('FST_') ? (error.statusCode ?? 500) : 500;
  if (status === 413) {
    return {
      status,
      result: 'too-large',
      details: { message: `the body is over ${WEBHOOK_BODY_LIMIT} bytes` },
    };
  }
  if (status >= 400 && status < 500) {
    return { status, result: 'malformed', details: { message: 'the request could not be read' } };
  }
  return { status: 500, result: 'failed', details: { message: 'the delivery could not be handled' } };
}
