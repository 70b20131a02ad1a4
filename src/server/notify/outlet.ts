import type { NotifyEvent } from '../../fleet/model.js';
import type { Logger } from '../../log/logger.js';
import { type NotifyEndpoint, signBody } from './endpoints.js';
import type { Settings } from './notifier.js';

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

/** One endpoint's queue and its delivery loop. */
export class Outlet {
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
