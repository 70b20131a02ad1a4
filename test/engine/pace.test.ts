import { describe, expect, it } from 'vitest';
import {
  DRAIN_MARGIN,
  lookAgainMs,
  MIN_POLL_MS,
  NEAR_POLL_MS,
  POLLS_PER_SECOND,
  RunningPace,
} from '../../src/engine/pace.js';
import type { Plan } from '../../src/engine/plan-model.js';

/** A plan whose products `running` have a build under way, and `done` have not. */
function plan(running: string[], done: string[] = []): Plan {
  return {
    products: [
      ...running.map((product) => ({
        product,
        suspended: false,
        facets: { build: { state: 'progressing', requeueAfterMs: 1000 } },
      })),
      ...done.map((product) => ({ product, suspended: false, facets: { build: { state: 'ready' } } })),
    ],
  } as unknown as Plan;
}

const ids = (count: number, from = 0) => Array.from({ length: count }, (_, index) => `acme/p${from + index}`);

describe('RunningPace', () => {
  it('has no pace before it has seen something finish', () => {
    const pace = new RunningPace();
    pace.update(plan(ids(40)), 0);
    expect(pace.drainMs()).toBeUndefined();
    pace.update(plan(ids(40)), 500);
    expect(pace.drainMs()).toBeUndefined();
  });

  it('expects what runs to be done at the pace the last interval finished things', () => {
    const pace = new RunningPace();
    pace.update(plan(ids(40)), 0);
    // 20 of 40 done in 500 ms: the other 20 in about 500 ms more.
    pace.update(plan(ids(20, 20), ids(20)), 500);
    expect(pace.drainMs()).toBeCloseTo(500);
    // Builds that started since count as running, never as finished.
    pace.update(plan([...ids(10, 30), ...ids(5, 100)], ids(30)), 750);
    expect(pace.drainMs()).toBeCloseTo(15 / (10 / 250));
  });

  it('counts what is left of the drain from the moment asked about, never below zero', () => {
    const pace = new RunningPace();
    pace.update(plan(ids(40)), 0);
    pace.update(plan(ids(20, 20), ids(20)), 500);
    // Seen at 500, expected done at 1000: asked at 570 (after a 70 ms pass), 430 ms are left.
    expect(pace.drainMs(570)).toBeCloseTo(430);
    expect(pace.drainMs(1200)).toBe(0);
    expect(pace.drainMs(400)).toBeCloseTo(500);
  });

  it('forgets the pace as soon as an interval finishes nothing, and has none once nothing runs', () => {
    const pace = new RunningPace();
    pace.update(plan(ids(10)), 0);
    pace.update(plan(ids(1, 9), ids(9)), 200);
    expect(pace.drainMs()).toBeDefined();
    pace.update(plan(ids(1, 9), ids(9)), 450);
    expect(pace.drainMs()).toBeUndefined();
    pace.update(plan([], ids(10)), 700);
    expect(pace.drainMs()).toBeUndefined();
  });
});

describe('lookAgainMs', () => {
  it('without a pace, keeps the looks under POLLS_PER_SECOND, between MIN_POLL_MS and requeueAfterMs', () => {
    expect(lookAgainMs(2, 1000, undefined)).toBe(MIN_POLL_MS);
    expect(lookAgainMs(30, 1000, undefined)).toBe((30 * 1000) / POLLS_PER_SECOND);
    expect(lookAgainMs(200, 1000, undefined)).toBe(1000);
  });

  it('looks halfway to when everything is expected done while that is far, never later than without a pace', () => {
    expect(lookAgainMs(50, 1000, 1200)).toBe(600);
    expect(lookAgainMs(50, 1000, 4000)).toBe(1000);
    expect(lookAgainMs(50, 1000, 2 * MIN_POLL_MS)).toBe(MIN_POLL_MS);
    // 10 running: 250 ms without a pace, however slow the pace says they are.
    expect(lookAgainMs(10, 1000, 1400)).toBe(lookAgainMs(10, 1000, undefined));
  });

  it('looks halfway once that is near, as soon as NEAR_POLL_MS, then just after everything is expected done', () => {
    expect(lookAgainMs(20, 1000, 300)).toBe(150);
    expect(lookAgainMs(5, 1000, 300)).toBe(150);
    expect(lookAgainMs(5, 1000, 2 * NEAR_POLL_MS)).toBe(NEAR_POLL_MS);
    // Halfway would be sooner than NEAR_POLL_MS: just after the expected end.
    expect(lookAgainMs(5, 1000, 150)).toBeCloseTo(150 * (1 + DRAIN_MARGIN));
    expect(lookAgainMs(1, 1000, 20)).toBe(NEAR_POLL_MS);
    expect(lookAgainMs(1, 50, 20)).toBe(50);
  });
});
