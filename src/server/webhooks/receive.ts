import type { IncomingHttpHeaders } from 'node:http';
import { type BuildNotification, isFinal } from '../../backends/jenkins/notifications.js';
import type { DeliveryMemory } from './deliveries.js';
import { decodePayload, type JenkinsEvent, type PushEvent, type WebhookEvent } from './events.js';
import type { WebhookMatcher } from './match.js';
import { headerValue, type SignedRequest, type WebhookSource } from './request.js';
import type { WebhookReceiver } from './sources.js';

/** How a webhook request ended, as metrics count it. */
export type WebhookResult =
  | 'accepted'
  | 'ignored'
  | 'unmatched'
  | 'duplicate'
  | 'unauthorized'
  | 'too-large'
  | 'malformed'
  | 'disabled'
  | 'failed';

/** What the daemon does with accepted events; none of these is called for any other request. */
export interface WebhookHandlers {
  /** Maps an event to the fleet's products; the daemon swaps it for a new one on reload. */
  match: WebhookMatcher;
  /** A push to the repositories of these products (ids, at least one). */
  onPush(products: string[], event: PushEvent): void;
  /** A push to the fleet repo itself: time to reload the fleet. Called before `onPush`. */
  onFleetPush(event: PushEvent): void;
  /** A FINALIZED build of one of the fleet's products. */
  onJenkins(notification: BuildNotification, event: JenkinsEvent): void;
}

export interface ReceiveContext extends WebhookHandlers {
  /** The shared secret; undefined when webhooks are not configured. */
  secret: string | undefined;
  deliveries: DeliveryMemory;
}

/** A request as the HTTP server read it: the body is the raw bytes, or undefined when there were none. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  query: unknown;
  body: unknown;
}

/** The answer to one webhook request: its status, its result for metrics, what the body says. */
export interface Outcome {
  status: number;
  result: WebhookResult;
  delivery?: string | undefined;
  details: Record<string, unknown>;
}

/**
 * One request, step by step; the first step that refuses ends it with nothing done: configured,
 * authenticated, a JSON object, the event its headers say, not delivered before. Then the
 * callbacks, and the delivery is remembered — only once they returned, so that a delivery whose
 * callback threw is acted on when the sender retries it.
 */
export function receive(
  context: ReceiveContext,
  source: WebhookSource,
  receiver: WebhookReceiver,
  request: ReceivedRequest,
): Outcome {
  const { secret, deliveries } = context;
  if (secret === undefined) {
    return refuse(503, 'disabled', 'webhooks are not configured: set spec.watch.webhooks.secret');
  }
  const signed: SignedRequest = {
    headers: request.headers,
    query: isRecord(request.query) ? request.query : {},
    body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
  };
  if (!receiver.authenticate(signed, secret)) {
    return refuse(401, 'unauthorized', 'the signature or token is missing or wrong');
  }
  const payload = decodePayload(signed.body, headerValue(request.headers, 'content-type'));
  if (payload === undefined) return refuse(400, 'malformed', 'the body is not a JSON object');
  const event = receiver.read(request.headers, payload);
  if (event === undefined) return refuse(400, 'malformed', `the payload is not what a ${source} event has`);
  const key = event.delivery === undefined ? undefined : `${source}:${event.delivery}`;
  if (key !== undefined && deliveries.has(key)) {
    return { status: 200, result: 'duplicate', delivery: event.delivery, details: {} };
  }
  const outcome = dispatch(context, event);
  if (key !== undefined) deliveries.remember(key);
  return { ...outcome, delivery: event.delivery };
}

function dispatch(context: ReceiveContext, event: WebhookEvent): Outcome {
  switch (event.kind) {
    case 'ignored':
      return { status: 202, result: 'ignored', details: { event: event.event } };
    case 'push':
      return dispatchPush(context, event);
    case 'jenkins':
      return dispatchJenkins(context, event);
  }
}

function dispatchPush(context: ReceiveContext, event: PushEvent): Outcome {
  const { products, fleet } = context.match.push(event);
  if (products.length === 0 && !fleet) return { status: 202, result: 'unmatched', details: {} };
  if (fleet) context.onFleetPush(event);
  if (products.length > 0) context.onPush(products, event);
  return { status: 202, result: 'accepted', details: { queued: { products, fleet } } };
}

function dispatchJenkins(context: ReceiveContext, event: JenkinsEvent): Outcome {
  const notification = context.match.jenkins(event);
  if (notification === undefined) return { status: 202, result: 'unmatched', details: {} };
  if (!isFinal(notification)) {
    return { status: 202, result: 'ignored', details: { phase: notification.phase } };
  }
  context.onJenkins(notification, event);
  return {
    status: 202,
    result: 'accepted',
    details: { queued: { products: [notification.product], fleet: false } },
  };
}

function refuse(status: number, result: WebhookResult, message: string): Outcome {
  return { status, result, details: { message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
