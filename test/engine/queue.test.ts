import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../src/engine/queue.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Milliseconds on the fake timers' clock (never the machine's). */
function fakeNow(): number {
  return (vi.getMockedSystemTime() as Date).getTime();
}

/** A handler that records each key it is handed and waits `ms` (fake time) per key. */
function recorder(ms = 0) {
  const handled: string[] = [];
  let active = 0;
  let most = 0;
  const handle = async (key: string) => {
    handled.push(key);
    active++;
    most = Math.max(most, active);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    active--;
  };
  return { handled, handle, most: () => most };
}

describe('WorkQueue', () => {
  it('handles a key queued many times once, in the order keys became due', async () => {
    const queue = new WorkQueue({ concurrency: 2, backoff: () => 1000 });
    for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) queue.add(key);
    const { handled, handle } = recorder();
    await queue.run(handle);
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(queue.idle).toBe(true);
  });

  it('handles at most `concurrency` keys at once', async () => {
    const queue = new WorkQueue({ concurrency: 3, backoff: () => 1000 });
    for (let index = 0; index < 10; index++) queue.add(`k${index}`);
    const { handled, handle, most } = recorder(100);
    const run = queue.run(handle);
    await vi.runAllTimersAsync();
    await run;
    expect(handled).toHaveLength(10);
    expect(most()).toBe(3);
  });

  it('handles a key queued while it is handled once more, after', async () => {
    const queue = new WorkQueue({ concurrency: 4, backoff: () => 1000 });
    const handled: string[] = [];
    queue.add('a');
    const run = queue.run(async (key) => {
      handled.push(key);
      if (handled.length === 1) {
        // A burst of events for the key while it is handled: one more reconcile, not three.
        queue.add('a');
        queue.add('a');
        queue.add('a');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    await vi.runAllTimersAsync();
    await run;
    expect(handled).toEqual(['a', 'a']);
  });

  it('brings a key back after its delay, keeping the earliest of two', async () => {
    const queue = new WorkQueue({ concurrency: 1, backoff: () => 1000 });
    const at: number[] = [];
    const start = fakeNow();
    queue.add('a');
    const run = queue.run(async () => {
      at.push(fakeNow() - start);
      if (at.length === 1) {
        queue.addAfter('a', 5_000);
        queue.addAfter('a', 2_000);
        queue.addAfter('a', 9_000);
      }
    });
    await vi.runAllTimersAsync();
    await run;
    expect(at).toEqual([0, 2_000]);
  });

  it('backs off a failing key by its failures in a row, afresh after forget', async () => {
    const backoff = vi.fn((failures: number) => 1_000 * 2 ** (failures - 1));
    const queue = new WorkQueue({ concurrency: 1, backoff });
    const at: number[] = [];
    const start = fakeNow();
    queue.add('a');
    const run = queue.run(async (key) => {
      at.push(fakeNow() - start);
      if (at.length < 4) queue.addRateLimited(key);
      else if (at.length === 4) {
        queue.forget(key);
        queue.addRateLimited(key);
      }
    });
    await vi.runAllTimersAsync();
    await run;
    expect(at).toEqual([0, 1_000, 3_000, 7_000, 8_000]);
    expect(backoff.mock.calls.map(([failures]) => failures)).toEqual([1, 2, 3, 1]);
    expect(queue.failures('a')).toBe(1);
  });

  it('takes a key only after the keys it waits for, unless they wait on it too', async () => {
    const waits: Record<string, string[]> = { app: ['lib'], lib: ['core'], core: [], x: ['y'], y: ['x'] };
    const queue = new WorkQueue({ concurrency: 4, backoff: () => 1000, waitsFor: (key) => waits[key] ?? [] });
    for (const key of ['app', 'lib', 'core', 'x', 'y']) queue.add(key);
    const { handled, handle } = recorder(10);
    const run = queue.run(handle);
    await vi.runAllTimersAsync();
    await run;
    expect(handled.indexOf('core')).toBeLessThan(handled.indexOf('lib'));
    expect(handled.indexOf('lib')).toBeLessThan(handled.indexOf('app'));
    expect([...handled].sort()).toEqual(['app', 'core', 'lib', 'x', 'y']);
  });

  it("ends the run with a handler's error once the others are done, and drops what waits", async () => {
    const queue = new WorkQueue({ concurrency: 2, backoff: () => 1000 });
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 1_000);
    const done: string[] = [];
    const run = queue.run(async (key) => {
      if (key === 'a') throw new Error('boom');
      await new Promise((resolve) => setTimeout(resolve, 10));
      done.push(key);
    });
    const failed = expect(run).rejects.toThrow('boom');
    await vi.runAllTimersAsync();
    await failed;
    expect(done).toEqual(['b']);
    expect(queue.idle).toBe(true);
  });

  it('stops taking keys on stop, letting the ones handled finish', async () => {
    const queue = new WorkQueue({ concurrency: 1, backoff: () => 1000 });
    queue.add('a');
    queue.add('b');
    const done: string[] = [];
    const run = queue.run(async (key) => {
      queue.stop();
      await new Promise((resolve) => setTimeout(resolve, 10));
      done.push(key);
    });
    await vi.runAllTimersAsync();
    await run;
    expect(done).toEqual(['a']);
    queue.add('c');
    expect(queue.idle).toBe(true);
  });
});
