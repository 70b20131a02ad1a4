import { createHmac } from 'node:crypto';
import type { NotifyEvent, WatchSpec } from '../../fleet/model.js';
import { resolveSecret, type SecretContext } from '../../secrets/resolve.js';

/** One `spec.watch.notify` entry with its secret resolved. */
export interface NotifyEndpoint {
  url: string;
  secret: string;
  /** The events it wants; absent: all. */
  events?: readonly NotifyEvent[];
}

/** Resolves the secrets of `spec.watch.notify` (and registers them with the redactor). */
export async function resolveNotifyEndpoints(
  watch: WatchSpec | undefined,
  context: SecretContext,
): Promise<NotifyEndpoint[]> {
  const endpoints: NotifyEndpoint[] = [];
  for (const { url, secret, events } of watch?.notify ?? []) {
    endpoints.push({ url, secret: await resolveSecret(secret, context), events });
  }
  return endpoints;
}

/** The `X-Hub-Signature-256` value of a body, as GitHub computes it: `sha256=` and the hex HMAC-SHA256. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
