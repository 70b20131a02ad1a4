import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { LoopSlice, SLICE_MS } from '../../src/util/loop-slice.js';

/** Holds the loop for `ms`, as synchronous work does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose
  }
}

describe('LoopSlice', () => {
  it('runs work at once, before any timer, while the slice has time left', async () => {
    const slice = new LoopSlice();
    const order: string[] = [];
    setImmediate(() => order.push('immediate'));
    const value = await slice.run(() => {
      order.push('work');
      return 42;
    });
    expect(value).toBe(42);
    expect(order).toEqual(['work']);
  });

  it('lets the loop turn between pieces of work once a slice is spent, and runs them in order', async () => {
    const slice = new LoopSlice();
    const order: string[] = [];
    // An I/O-like callback queued before 20 pieces of 3 ms each start (60 ms of work in all).
    setImmediate(() => order.push('immediate'));
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        slice.run(() => {
          busy(3);
          order.push(`work ${index}`);
        }),
      ),
    );
    const at = order.indexOf('immediate');
    // The slice ran out after a few pieces (SLICE_MS of 3 ms pieces, and the one that overran it).
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(Math.ceil(SLICE_MS / 3) + 1);
    expect(order.filter((entry) => entry !== 'immediate')).toEqual(
      Array.from({ length: 20 }, (_, index) => `work ${index}`),
    );
  });

  it('checks the slice right before each piece of work, not when the piece was handed in', async () => {
    const slice = new LoopSlice();
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    try {
      // Handed in together while the slice is fresh: each still waits its turn once the slice is spent.
      const runs = Array.from({ length: 12 }, () => slice.run(() => busy(4)));
      await Promise.all(runs);
    } finally {
      clearInterval(tick);
    }
    // 48 ms of work in slices of SLICE_MS: the loop came around between them, timers included.
    expect(turns).toBeGreaterThanOrEqual(3);
  });
});
