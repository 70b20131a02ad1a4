import type { IncomingHttpHeaders } from 'node:http';

/** Where a webhook comes from: each has its own route, its own way of signing and its own payload. */
export type WebhookSource = 'github' | 'gitea' | 'gitlab' | 'jenkins';

/** What a receiver authenticates and reads: headers (lower-cased names), query and the raw body. */
export interface SignedRequest {
  headers: IncomingHttpHeaders;
  query: Readonly<Record<string, unknown>>;
  /** The body exactly as received: signatures are over these bytes, never over re-serialised JSON. */
  body: Buffer;
}

/**
 * A header's value when it was sent exactly once; a header sent twice is as good as absent, so
 * that no receiver has to choose which of two signatures or tokens to believe.
 */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}
