import type { ServerCheck, ServerKind, ServerStatus } from './servers.js';

/** Builds the checks of one server: kind and URL fixed, the rest per outcome. */
export function reporter(kind: ServerKind, url: string) {
  return (
    status: ServerStatus,
    version: string | null,
    message: string | null,
    user: string | null = null,
  ): ServerCheck => ({ kind, url, status, version, user, message });
}

/** `<base>/<path>`, keeping a base path such as `/jenkins`; undefined when base is not an http(s) URL. */
export function apiUrl(base: string, path: string): URL | undefined {
  try {
    const url = new URL(base.endsWith('/') ? base : `${base}/`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.username = '';
    url.password = '';
    return new URL(path, url);
  } catch {
    return undefined;
  }
}

/** The URL as configured, minus any user info (which may hold a password). */
export function displayUrl(value: string): string {
  try {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    return url.href.replace(/\/$/, '');
  } catch {
    return value.replace(/\/\/[^/@\s]*@/, '//');
  }
}

/** Why a request got no answer at all: refused, unknown host, timed out. */
export function unreachableMessage(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return 'cannot connect: connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot connect: host not found (${code})`;
  return `cannot connect${code ? ` (${code})` : ''}`;
}

/** undici wraps the socket error: `TypeError: fetch failed` with the errno code on a cause. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}
