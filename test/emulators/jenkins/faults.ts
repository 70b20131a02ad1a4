/** Statuses the emulator can be told to answer with, as a struggling Jenkins (or its proxy) does. */
export type FaultStatus = 429 | 500 | 502 | 503;

/** An answer to give instead of the real one. */
export interface Failure {
  status: FaultStatus;
  /** For 429 (and 503): the `Retry-After` header, in seconds. */
  retryAfterSeconds?: number;
}

/** Which requests a failure is for, and its `Retry-After`. */
export interface FaultOptions {
  /** For 429 (and 503): the `Retry-After` header, in seconds. */
  retryAfterSeconds?: number;
  /** Only requests with this method (`POST`): a proxy that rate-limits writes. */
  method?: string;
  /** Only requests whose path (no query) matches: `/buildWithParameters$/`. */
  path?: RegExp;
}

/** A request as faults see it. */
export interface FaultTarget {
  method: string;
  path: string;
}

interface PlannedFailure {
  failure: Failure;
  remaining: number;
  method?: string;
  path?: RegExp;
}

/**
 * Faults injected by tests, consumed one per request in arrival order: the next N requests (or
 * the next N of a method and path) fail with a status, or are answered only after a delay (for
 * clients' timeouts).
 */
export class FaultPlan {
  readonly #failures: PlannedFailure[] = [];
  readonly #delays: { ms: number; remaining: number }[] = [];

  failNext(count: number, status: FaultStatus, options: FaultOptions = {}): void {
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`failNext: count must be a positive integer, got ${count}`);
    const failure: Failure = { status };
    if (options.retryAfterSeconds !== undefined) failure.retryAfterSeconds = options.retryAfterSeconds;
    else if (status === 429) failure.retryAfterSeconds = 1;
    const planned: PlannedFailure = { failure, remaining: count };
    if (options.method !== undefined) planned.method = options.method.toUpperCase();
    if (options.path !== undefined) planned.path = options.path;
    this.#failures.push(planned);
  }

  delayNext(count: number, ms: number): void {
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`delayNext: count must be a positive integer, got ${count}`);
    if (!(ms >= 0)) throw new Error(`delayNext: ms must be zero or more, got ${ms}`);
    this.#delays.push({ ms, remaining: count });
  }

  clear(): void {
    this.#failures.length = 0;
    this.#delays.length = 0;
  }

  takeDelay(): number {
    return take(this.#delays)?.ms ?? 0;
  }

  /** The first planned failure that applies to this request, counted as used. */
  takeFailure(request: FaultTarget): Failure | undefined {
    const index = this.#failures.findIndex(
      (planned) =>
        (planned.method === undefined || planned.method === request.method) &&
        (planned.path === undefined || planned.path.test(request.path)),
    );
    const planned = this.#failures[index];
    if (!planned) return undefined;
    planned.remaining--;
    if (planned.remaining <= 0) this.#failures.splice(index, 1);
    return planned.failure;
  }
}

function take<T extends { remaining: number }>(queue: T[]): T | undefined {
  const head = queue[0];
  if (!head) return undefined;
  head.remaining--;
  if (head.remaining <= 0) queue.shift();
  return head;
}

/** The body of an injected failure: what Jenkins (or the proxy in front of it) would print. */
export function failureMessage(status: FaultStatus): string {
  switch (status) {
    case 429:
      return 'Too Many Requests';
    case 500:
      return 'java.lang.IllegalStateException: injected by the Jenkins emulator';
    case 502:
      return 'Bad Gateway';
    case 503:
      return 'Jenkins is getting ready to work';
  }
}
