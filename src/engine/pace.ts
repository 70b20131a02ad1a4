import type { Plan } from './plan-model.js';

/** How long the loop waits at least before looking at what runs again (a build queued or running). */
export const MIN_POLL_MS = 250;
/** The least wait when what runs is expected to be done within two MIN_POLL_MS (the last builds of a fleet). */
export const NEAR_POLL_MS = 100;
/**
 * While the loop has not yet seen how fast what runs finishes, it looks at about this many running
 * products a second at most (a request each on Jenkins without a folder read).
 */
export const POLLS_PER_SECOND = 50;

/** How much later than expected the look that should find everything done comes (estimates err). */
export const DRAIN_MARGIN = 0.2;

/**
 * How fast what runs outside (builds queued or running: a facet's `requeueAfterMs`) gets done,
 * from one pass to the next: the products seen running in the last pass that are not running now,
 * over the time between the two passes. Only the last interval counts, so a pace is forgotten as
 * soon as an interval finishes nothing (the last build of a fleet may be slower than the others).
 */
export class RunningPace {
  #last: { at: number; running: Set<string> } | undefined;
  #perMs: number | undefined;

  /** Takes in the plan of a pass that started at `at`. */
  update(plan: Plan, at: number): void {
    const running = runningProducts(plan);
    const last = this.#last;
    this.#perMs = undefined;
    if (last && at > last.at) {
      let finished = 0;
      for (const id of last.running) if (!running.has(id)) finished++;
      if (finished > 0) this.#perMs = finished / (at - last.at);
    }
    this.#last = { at, running };
  }

  /**
   * When everything seen running is expected to be done, counted from `now` (default: the start of
   * the pass that saw it, which is when it was seen; the pass itself took some of that time);
   * undefined without a pace.
   */
  drainMs(now?: number): number | undefined {
    const last = this.#last;
    const running = last?.running.size ?? 0;
    if (!last || this.#perMs === undefined || running === 0) return undefined;
    return Math.max(0, running / this.#perMs - Math.max(0, (now ?? last.at) - last.at));
  }
}

/**
 * When to look at what runs again: after its facets' `requeueAfterMs` at most, after MIN_POLL_MS
 * at least, and, at first, so that the looks stay under POLLS_PER_SECOND. With a pace (`drainMs`,
 * when all that runs is expected to be done), sooner, never later: halfway there, so that the
 * looks come closer together as a fleet's builds drain (the looks a second follow about twice the
 * pace at which the server finishes them), as soon as NEAR_POLL_MS once that is near (within two
 * MIN_POLL_MS); and once halfway would be sooner than NEAR_POLL_MS, just after it (DRAIN_MARGIN):
 * the last builds are seen done soon after they are, by a look that expects to find them done. A
 * pace is lost as soon as a look finds nothing done, so a long last build is looked at every
 * MIN_POLL_MS, not every NEAR_POLL_MS.
 */
export function lookAgainMs(running: number, requeueAfterMs: number, drainMs: number | undefined): number {
  const unpaced = Math.max(MIN_POLL_MS, (running * 1000) / POLLS_PER_SECOND);
  let paced = unpaced;
  let least = MIN_POLL_MS;
  if (drainMs !== undefined && drainMs >= 2 * MIN_POLL_MS) paced = Math.min(unpaced, drainMs / 2);
  else if (drainMs !== undefined) {
    const half = drainMs / 2;
    paced = Math.min(unpaced, half >= NEAR_POLL_MS ? half : drainMs * (1 + DRAIN_MARGIN));
    least = NEAR_POLL_MS;
  }
  return Math.min(Math.max(least, paced), requeueAfterMs);
}

/** The products with something under way outside (a facet asked to be looked at again). */
export function runningProducts(plan: Plan): Set<string> {
  const running = new Set<string>();
  for (const product of plan.products)
    if (Object.values(product.facets).some((facet) => facet.requeueAfterMs !== undefined))
      running.add(product.product);
  return running;
}
