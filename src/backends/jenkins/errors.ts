import { CodemonkeysError } from '../../errors.js';
import { redactor } from '../../log/redact.js';

/** Where a Jenkins call went, for messages: the URL (no credentials) and whose token it used. */
export interface JenkinsTarget {
  url: string;
  user?: string;
  /** Where the token comes from (`environment variable JENKINS_TOKEN`), never the token. */
  tokenSource?: string;
}

/**
 * What a failed Jenkins call means for the loop, following Jenkins' status codes: down,
 * timing out, 5xx → transient (retry with backoff); 429 → waiting (its Retry-After);
 * 401/403 → stalled (a credential to fix, named in the message); 404 → stalled `NotFound`
 * (callers that expect it, a job deleted behind our back, handle it first).
 */
export function jenkinsError(error: unknown, what: string, target: JenkinsTarget): CodemonkeysError {
  const status = statusOf(error);
  const where = redactor.redactText(target.url);
  if (status === 401 || status === 403) {
    const who = target.user ? `user ${target.user}` : 'no user (anonymous)';
    const token = target.tokenSource ? ` and the API token in ${target.tokenSource}` : '';
    return new CodemonkeysError(
      `Jenkins at ${where} refused ${what} (HTTP ${status}): check ${who}${token}, and that this user may build and configure jobs`,
      {
        reason: 'JenkinsUnauthorized',
        next: 'stalled',
        cause: error,
      },
    );
  }
  if (status === 429) {
    const retryAfter = retryAfterMs(error);
    return new CodemonkeysError(`Jenkins at ${where} is rate-limiting ${what} (HTTP 429)`, {
      reason: 'JenkinsRateLimited',
      next: 'waiting',
      retryAfterMs: retryAfter,
      cause: error,
    });
  }
  if (status === 404) {
    return new CodemonkeysError(`Jenkins at ${where} has no such item for ${what} (HTTP 404)`, {
      reason: 'NotFound',
      next: 'stalled',
      cause: error,
    });
  }
  const detail = status ? `HTTP ${status}` : redactor.redactText(messageOf(error));
  return new CodemonkeysError(`Jenkins at ${where} did not answer ${what} (${detail})`, {
    reason: 'JenkinsUnavailable',
    next: 'transient',
    cause: error,
  });
}

/** The HTTP status of a papi error or of our own fetch errors, if there was a response. */
export function statusOf(error: unknown): number | undefined {
  // The jenkins client answers a 404 with its own error marked notFound.
  if ((error as { notFound?: unknown } | undefined)?.notFound === true) return 404;
  const candidate = error as
    | { statusCode?: unknown; status?: unknown; res?: { statusCode?: unknown } }
    | undefined;
  const value = candidate?.statusCode ?? candidate?.res?.statusCode ?? candidate?.status;
  return typeof value === 'number' ? value : undefined;
}

function retryAfterMs(error: unknown): number {
  const headers = (error as { res?: { headers?: Record<string, string> }; headers?: Headers } | undefined)
    ?.res?.headers;
  const raw = headers?.['retry-after'] ?? (error as { retryAfter?: string })?.retryAfter;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code =
    (error as { code?: string; cause?: { code?: string } })?.code ??
    (error as { cause?: { code?: string } })?.cause?.code;
  return code ? `${code}: ${message}` : message;
}
