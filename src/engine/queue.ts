/** Timers the queue waits with (vi.useFakeTimers fakes the defaults). */
export interface QueueTimers {
  /** Milliseconds on a monotonic count, to keep the earliest of two delays. */
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: QueueTimers = {
  now: () => performance.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WorkQueueOptions {
  /** Keys handled at once. */
  concurrency: number;
  /**
   * Keys this key waits for: it is not taken while one of them is queued (due now) or being
   * handled (a product after the products it dependsOn).
   */
  waitsFor?: (key: string) => readonly string[];
  /** Delay before the n-th retry of a key that failed n times in a row (addRateLimited). */
  backoff: (failures: number) => number;
  timers?: QueueTimers;
}

/**
 * A work queue of keys, as controller-runtime's: a key queued several times is handled once; a
 * key queued while it is handled is handled again after; at most `concurrency` keys are handled
 * at once; a key can ask to come back after a delay (`addAfter`) or after its backoff
 * (`addRateLimited`, growing with its failures in a row until `forget`). Keys are taken in the
 * order they became due.
 */
export class WorkQueue {
  readonly #options: WorkQueueOptions;
  readonly #timers: QueueTimers;
  /** Due now, in order. */
  readonly #due = new Set<string>();
  /** Being handled. */
  readonly #active = new Set<string>();
  /** Queued again while handled: due once its handling ends. */
  readonly #dirty = new Set<string>();
  /** Due later: when, and the timer that makes it due. */
  readonly #later = new Map<string, { at: number; timer: unknown }>();
  readonly #failures = new Map<string, number>();
  #wake: (() => void) | undefined;
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
  }

  /** Queues a key now (once, however often it is added). */
  add(key: string): void {
    if (this.#stopped) return;
    const later = this.#later.get(key);
    if (later) {
      this.#timers.clearTimeout(later.timer);
      this.#later.delete(key);
    }
    if (this.#active.has(key)) this.#dirty.add(key);
    else this.#due.add(key);
    this.#wake?.();
  }

  /** Queues a key after `ms` (unless it is due sooner already). */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    if (this.#due.has(key) || this.#dirty.has(key)) return;
    const at = this.#timers.now() + ms;
    const later = this.#later.get(key);
    if (later && later.at <= at) return;
    if (later) this.#timers.clearTimeout(later.timer);
    const timer = this.#timers.setTimeout(() => {
      if (this.#later.get(key)?.timer !== timer) return;
      this.#later.delete(key);
      this.add(key);
    }, ms);
    this.#later.set(key, { at, timer });
  }

  /** Queues a key after its backoff: the n-th failure in a row waits `backoff(n)`. */
  addRateLimited(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = this.#options.backoff(failures);
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its next failure starts the backoff afresh. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Failures in a row of a key (0 after `forget`). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** True when nothing is due, handled or waiting for a delay. */
  get idle(): boolean {
    return this.#due.size === 0 && this.#active.size === 0 && this.#later.size === 0;
  }

  /** Keys due now, handled or due later. */
  get depth(): number {
    return this.#due.size + this.#later.size + this.#dirty.size;
  }

  /** Takes nothing more: `run` ends once what is handled now is done; delayed keys are dropped. */
  stop(): void {
    this.#stopped = true;
    for (const { timer } of this.#later.values()) this.#timers.clearTimeout(timer);
    this.#later.clear();
    this.#due.clear();
    this.#dirty.clear();
    this.#wake?.();
  }

  /**
   * Hands keys to `handle`, up to `concurrency` at once, until the queue is idle (nothing due,
   * handled or delayed) or stopped. `handle` decides whether a key comes back (add, addAfter,
   * addRateLimited); a handler that throws ends the run with its error once the others are done.
   */
  async run(handle: (key: string) => Promise<void>): Promise<void> {
    const running = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    for (;;) {
      while (failure === undefined && running.size < this.#options.concurrency) {
        const key = this.#next();
        if (key === undefined) break;
        this.#due.delete(key);
        this.#active.add(key);
        const work: Promise<void> = handle(key)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            this.#active.delete(key);
            running.delete(work);
            if (this.#dirty.delete(key)) this.#due.add(key);
            this.#wake?.();
          });
        running.add(work);
      }
      if (running.size === 0 && (failure !== undefined || this.#stopped || this.idle)) break;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
    if (failure !== undefined) {
      this.stop();
      throw failure.error;
    }
  }

  /** The first due key none of whose `waitsFor` keys is due or handled (the first due one, if all wait: a cycle). */
  #next(): string | undefined {
    if (this.#due.size === 0) return undefined;
    const waitsFor = this.#options.waitsFor;
    if (!waitsFor) return this.#due.values().next().value;
    for (const key of this.#due) {
      const blocked = waitsFor(key).some(
        (other) => other !== key && (this.#due.has(other) || this.#active.has(other)),
      );
      if (!blocked) return key;
    }
    return this.#active.size === 0 ? this.#due.values().next().value : undefined;
  }
}
