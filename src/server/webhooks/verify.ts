import { createHmac, timingSafeEqual } from 'node:crypto';
import { headerValue, type SignedRequest } from './request.js';

/**
 * Whether two byte strings are equal, in time that depends on their length only. Lengths are
 * compared first: timingSafeEqual throws on unequal lengths, and every caller compares values
 * whose length is public (a digest, or the length of what the sender sent).
 */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The HMAC-SHA256 of `data` under `secret`. */
export function hmacSha256(secret: string, data: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Whether `hex` is the hex HMAC-SHA256 of `body` under `secret`. The digests are compared as
 * bytes: `Buffer.from(…, 'hex')` would silently drop a malformed tail, so the shape is checked first.
 */
export function hexSignatureMatches(secret: string, body: Buffer, hex: string | undefined): boolean {
  if (hex === undefined || !HEX_SHA256.test(hex)) return false;
  return constantTimeEqual(Buffer.from(hex, 'hex'), hmacSha256(secret, body));
}

/**
 * Whether a token sent in clear equals the secret. Their HMAC digests are compared rather than the
 * strings, so that neither the secret's content nor its length shows in the time taken.
 */
export function tokenMatches(secret: string, token: string | undefined): boolean {
  if (token === undefined) return false;
  return constantTimeEqual(hmacSha256(secret, token), hmacSha256(secret, secret));
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, the body being the JSON
 * or, for a hook set to `application/x-www-form-urlencoded`, the whole form.
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function verifyGithub(request: SignedRequest, secret: string): boolean {
  const header = headerValue(request.headers, 'x-hub-signature-256');
  if (header === undefined || !header.startsWith('sha256=')) return false;
  return hexSignatureMatches(secret, request.body, header.slice('sha256='.length));
}

/**
 * Gitea: `X-Gitea-Signature: <hex HMAC-SHA256 of the payload>`, no prefix. Gitea signs the JSON
 * it sends, not a form around it, so a Gitea hook must use POST with `application/json`.
 * https://docs.gitea.com/features/webhooks; the header is set in go-gitea/gitea
 * services/webhook/deliver.go.
 */
export function verifyGitea(request: SignedRequest, secret: string): boolean {
  return hexSignatureMatches(secret, request.body, headerValue(request.headers, 'x-gitea-signature'));
}

/**
 * GitLab signs nothing: it sends the hook's secret token itself in `X-Gitlab-Token`.
 * https://docs.gitlab.com/ee/user/project/integrations/webhooks.html#validate-payloads-by-using-a-secret-token
 */
export function verifyGitlab(request: SignedRequest, secret: string): boolean {
  return tokenMatches(secret, headerValue(request.headers, 'x-gitlab-token'));
}

/**
 * Jenkins' Notification plugin (plugins.jenkins.io/notification) can be given a URL and nothing
 * else: no header, no signature. So the secret travels in the URL, as the `token` query parameter
 * (`…/hooks/jenkins?token=…`). A proxy in front of us may instead move it into the
 * `X-Codemonkeys-Token` header, which keeps it out of access logs; when that header is present it
 * alone decides. Either way the token is the `spec.watch.webhooks.secret`, registered with the
 * redactor, so a logged URL shows it masked.
 */
export function verifyJenkins(request: SignedRequest, secret: string): boolean {
  const header = headerValue(request.headers, 'x-codemonkeys-token');
  if (header !== undefined) return tokenMatches(secret, header);
  const query = request.query.token;
  return tokenMatches(secret, typeof query === 'string' ? query : undefined);
}
