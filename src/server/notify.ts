import { createHmac, randomUUID } from 'node:crypto';
import type { GatedAction } from '../actions/action.js';
import type { NotifyEvent, WatchSpec } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import { redactor as defaultRedactor, type Redactor } from '../log/redact.js';
import { resolveSecret, type SecretContext } from '../secrets/resolve.js';
import type { Condition } from '../store/store.js';

/** The JSON body of one outgoing notification. No secrets: its text is redacted before it is sent. */
export interface OutgoingEvent {
  type: NotifyEvent;
  product: string;
  /** A reason code: the Stalled condition's (`RetriesExhausted`…), `Denied`, `Released`. */
  reason: string;
  message: string;
  /** The actions it is about (a denied action; empty for a stalled product). */
  actions: string[];
  /** The constitution rules that decided (denied). */
  rules?: string[];
  /** The version released (released). */
  version?: string;
  /** When it happened, from the daemon's clock (ISO 8601). */
  at: string;
}

/** What the notifications compare of a product's reconcile: a `ProductResult` is one. */
export interface ReconcileView {
  product: string;
  conditions: readonly Condition[];
  actions: readonly GatedAction[];
}

/**
 * The events a product's reconcile calls for, compared with its previous one (undefined: none
 * known, so everything counts as new): `stalled` when its Stalled condition turned True (not at
 * every reconcile while it stays so), `denied` once per action that was not denied before.
 * `released` events come from the release facet, straight to `Notifier.send`.
 */
export function eventsToSend(
  previous: ReconcileView | undefined,
  next: ReconcileView,
  at: Date,
): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  const stalled = stalledCondition(next.conditions);
  if (stalled && !(previous && stalledCondition(previous.conditions))) {
    events.push({
      type: 'stalled',
      product: next.product,
      reason: stalled.reason,
      message: stalled.message,
      actions: [],
      at: at.toISOString(),
    });
  }
  const deniedBefore = new Set(
    previous?.actions.filter((action) => denial(action)).map((action) => action.id),
  );
  for (const action of next.actions) {
    const denied = denial(action);
    if (!denied || deniedBefore.has(action.id)) continue;
    events.push({
      type: 'denied',
      product: next.product,
      reason: 'Denied',
      message: denied.message,
      actions: [action.id],
      rules: denied.rules,
      at: at.toISOString(),
    });
  }
  return events;
}

function stalledCondition(conditions: readonly Condition[]): Condition | undefined {
  return conditions.find((condition) => condition.type === 'Stalled' && condition.status === 'True');
}

function denial(action: GatedAction): { rules: string[]; message: string } | undefined {
  for (const blocker of action.blockedBy) if (blocker.type === 'denied') return blocker;
  return undefined;
}

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

/** Timers the notifier waits with between tries and when closing. */
export interface NotifyTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: NotifyTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

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

type Settings = Required<Omit<NotifierOptions, 'endpoints' | 'logger'>>;

/** One event on its way to one endpoint: the same body, signature and delivery id on every try. */
interface Delivery {
  id: string;
  type: NotifyEvent;
  product: string;
  body: string;
}

/** How one try ended: delivered, worth another try (after `retryAfterMs` if the endpoint said), or not. */
type TryResult =
  | { status: 'delivered' }
  | { status: 'retry'; why: string; retryAfterMs?: number }
  | { status: 'refused'; why: string };

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

/** One endpoint's queue and its delivery loop. */
class Outlet {
  readonly #endpoint: NotifyEndpoint;
  readonly #options: Settings;
  readonly #logger: Logger;
  /** Only the origin is logged: a notify URL's path or query is often its credential. */
  readonly #origin: string;
  readonly #queue: Delivery[] = [];
  readonly #stop = new AbortController();
  #busy = false;
  #running: Promise<void> = Promise.resolve();

  constructor(endpoint: NotifyEndpoint, options: Settings, logger: Logger) {
    this.#endpoint = endpoint;
    this.#options = options;
    this.#logger = logger;
    this.#origin = originOf(endpoint.url);
  }

  wants(type: NotifyEvent): boolean {
    return !this.#endpoint.events || this.#endpoint.events.includes(type);
  }

  push(delivery: Delivery): void {
    if (this.#stop.signal.aborted) return;
    if (this.#queue.length >= this.#options.queueLimit) {
      const dropped = this.#queue.shift() as Delivery;
      this.#warn(dropped, { limit: this.#options.queueLimit }, 'notification queue full: oldest dropped');
    }
    this.#queue.push(delivery);
    if (this.#busy) return;
    this.#busy = true;
    this.#running = this.#run();
  }

  idle(): Promise<void> {
    return this.#busy ? this.#running : Promise.resolve();
  }

  /** Aborts the try under way and any wait; what is still queued is dropped. */
  stop(): void {
    this.#stop.abort();
  }

  /** Delivers one at a time until the queue is empty; `busy` is cleared in the same turn it is found empty. */
  async #run(): Promise<void> {
    try {
      for (let delivery = this.#queue.shift(); delivery; delivery = this.#queue.shift()) {
        if (this.#stop.signal.aborted) this.#warn(delivery, {}, 'notification dropped at shutdown');
        else await this.#deliver(delivery);
      }
    } finally {
      this.#busy = false;
    }
  }

  async #deliver(delivery: Delivery): Promise<void> {
    const { maxAttempts } = this.#options;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#try(delivery);
      if (result.status === 'delivered') return;
      if (result.status === 'refused') {
        this.#warn(delivery, { attempts: attempt, why: result.why }, 'notification refused by the endpoint');
        return;
      }
      if (this.#stop.signal.aborted) {
        this.#warn(delivery, { attempts: attempt }, 'notification dropped at shutdown');
        return;
      }
      if (attempt >= maxAttempts) {
        this.#warn(delivery, { attempts: attempt, why: result.why }, 'notification dropped after retries');
        return;
      }
      await this.#sleep(result.retryAfterMs ?? this.#delayMs(attempt));
    }
  }

  async #try(delivery: Delivery): Promise<TryResult> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#options.timeoutMs)]);
    try {
      const response = await fetch(this.#endpoint.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'codemonkeys',
          'X-Codemonkeys-Event': delivery.type,
          'X-Codemonkeys-Delivery': delivery.id,
          'X-Hub-Signature-256': signBody(delivery.body, this.#endpoint.secret),
        },
        body: delivery.body,
        // A redirected POST would turn into a GET elsewhere: a 3xx is an answer, not followed.
        redirect: 'manual',
        signal,
      });
      await response.body?.cancel();
      return judge(response, this.#options.maxDelayMs);
    } catch (error) {
      // Only the kind of failure: a fetch error's text may carry the URL.
      if (this.#stop.signal.aborted) return { status: 'retry', why: 'shutdown' };
      const why = signal.aborted ? 'timeout' : errorCode(error);
      return { status: 'retry', why };
    }
  }

  /** Exponential, from `baseDelayMs` doubling up to `maxDelayMs`, ±20 % so endpoints are not hit in step. */
  #delayMs(attempt: number): number {
    const { baseDelayMs, maxDelayMs, random } = this.#options;
    const base = Math.min(baseDelayMs * 2 ** (attempt - 1), maxDelayMs);
    return Math.round(base * (0.8 + random() * 0.4));
  }

  #sleep(ms: number): Promise<void> {
    const { timers } = this.#options;
    const signal = this.#stop.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const wake = () => {
        timers.clearTimeout(handle);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      const handle = timers.setTimeout(wake, ms);
      signal.addEventListener('abort', wake);
    });
  }

  #warn(delivery: Delivery, data: Record<string, unknown>, message: string): void {
    const { id, type, product } = delivery;
    this.#logger.warn({ endpoint: this.#origin, delivery: id, event: type, product, ...data }, message);
  }
}

/** 2xx delivered; 408, 429 and 5xx worth another try (after `Retry-After` seconds if given); the rest final. */
function judge(response: Response, maxDelayMs: number): TryResult {
  const { status } = response;
  if (status >= 200 && status < 300) return { status: 'delivered' };
  const why = `HTTP ${status}`;
  if (status !== 408 && status !== 429 && status < 500) return { status: 'refused', why };
  const seconds = Number(response.headers.get('retry-after'));
  if (!response.headers.has('retry-after') || !Number.isFinite(seconds) || seconds < 0) {
    return { status: 'retry', why };
  }
  return { status: 'retry', why, retryAfterMs: Math.min(seconds * 1000, maxDelayMs) };
}

function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'error';
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid-url';
  }
}
