import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/logger.js';
import { redactor as defaultRedactor, type Redactor } from '../../log/redact.js';
import type { NotifyEndpoint } from './endpoints.js';
import type { OutgoingEvent } from './events.js';
import { Outlet } from './outlet.js';

/** Timers the notifier waits with between tries and when closing. */
export interface NotifyTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: NotifyTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What a Notifier sends to, logs with, and how it retries; every limit and seam has a default. */
export interface NotifierOptions {
  endpoints: readonly NotifyEndpoint[];
  logger: Logger;
  /** Tries per delivery, the first included; default 5. */
  maxAttempts?: number;
  /** Time allowed for one try (connect, send, answer); default 10 s. */
  timeoutMs?: number;
  /** Deliveries waiting per endpoint; when full, the oldest is dropped. Default 100. */
  queueLimit?: number;
  /** Delay before the first retry, doubled for each next one up to `maxDelayMs`; ±20 % jitter. Default 1 s. */
  baseDelayMs?: number;
  /** Default 60 s; also the cap on a `Retry-After` the endpoint asks for. */
  maxDelayMs?: number;
  timers?: NotifyTimers;
  /** In [0, 1), for the jitter. */
  random?: () => number;
  /** Delivery ids; default random UUIDs. */
  newId?: () => string;
  redactor?: Redactor;
}

/** The options with their defaults filled in, as each Outlet reads them. */
export type Settings = Required<Omit<NotifierOptions, 'endpoints' | 'logger'>>;

/**
 * Outgoing notifications, signed as GitHub signs its webhooks
 * (https://docs.github.com/enterprise-cloud@latest/webhooks/using-webhooks/validating-webhook-deliveries):
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body with the endpoint's secret>`, so a
 * receiver can reuse its GitHub verification. `send` never blocks or throws: each endpoint has a
 * bounded queue and one delivery in flight; network errors, timeouts, 408, 429 and 5xx are retried
 * with exponential backoff, other answers (redirects included: a POST is not followed) are final;
 * a delivery that runs out of tries is dropped with a warning.
 */
export class Notifier {
  readonly #options: Settings;
  readonly #logger: Logger;
  readonly #outlets: Outlet[];
  #closed = false;

  constructor(options: NotifierOptions) {
    this.#options = {
      maxAttempts: options.maxAttempts ?? 5,
      timeoutMs: options.timeoutMs ?? 10_000,
      queueLimit: options.queueLimit ?? 100,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      timers: options.timers ?? REAL_TIMERS,
      random: options.random ?? Math.random,
      newId: options.newId ?? randomUUID,
      redactor: options.redactor ?? defaultRedactor,
    };
    this.#logger = options.logger;
    this.#outlets = options.endpoints.map((endpoint) => new Outlet(endpoint, this.#options, this.#logger));
  }

  /** Queues the event for every endpoint that wants its type, and returns at once. */
  send(event: OutgoingEvent): void {
    if (this.#closed) {
      this.#logger.warn({ event: event.type, product: event.product }, 'notification after close dropped');
      return;
    }
    let body: string;
    try {
      body = JSON.stringify(this.#options.redactor.redactValue(event));
    } catch (error) {
      // Not for the reconciler to handle: a notification it cannot encode is logged and dropped.
      this.#logger.warn(
        { event: event.type, product: event.product, err: error },
        'notification not encodable',
      );
      return;
    }
    for (const outlet of this.#outlets) {
      if (!outlet.wants(event.type)) continue;
      outlet.push({ id: this.#options.newId(), type: event.type, product: event.product, body });
    }
  }

  /** Resolves once every queued delivery was delivered, refused or dropped. */
  async drain(): Promise<void> {
    await Promise.all(this.#outlets.map((outlet) => outlet.idle()));
  }

  /**
   * Stops taking events, waits up to `waitMs` (default 5 s) for the queues to drain, then aborts
   * what is still under way and drops what is left, with a warning.
   */
  async close(waitMs = 5_000): Promise<void> {
    this.#closed = true;
    const { timers } = this.#options;
    let handle: unknown;
    const timeout = new Promise<void>((resolve) => {
      handle = timers.setTimeout(resolve, waitMs);
    });
    await Promise.race([this.drain(), timeout]);
    timers.clearTimeout(handle);
    for (const outlet of this.#outlets) outlet.stop();
    await this.drain();
  }
}
