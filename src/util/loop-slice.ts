import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long work may hold the event loop before it lets timers and I/O in. */
export const SLICE_MS = 4;

/**
 * Work that shares the event loop in slices of SLICE_MS. Work that resolves without I/O — 200
 * products observed from one Jenkins folder read, each planned and gated as it comes — runs as
 * one stretch of microtasks otherwise, and the actions it started (an fsync in the thread pool,
 * an HTTP request) wait for the whole stretch to end: a fleet's first build started ~400 ms late.
 */
export class LoopSlice {
  #since = performance.now();
  #turning: Promise<void> | undefined;

  /**
   * Runs `work` now if the slice has time left, else after the loop has turned (everyone waiting
   * shares one turn, then goes on in order until the new slice is spent). The check and the work
   * are one synchronous step: a check passed before an `await` would let others in first.
   */
  async run<T>(work: () => T): Promise<T> {
    while (performance.now() - this.#since >= SLICE_MS) {
      this.#turning ??= nextTurn().then(() => {
        this.#turning = undefined;
        this.#since = performance.now();
      });
      await this.#turning;
    }
    return work();
  }
}
