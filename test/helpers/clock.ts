/**
 * A clock that starts at `start` and runs at the pace of the real one: a test that reconciles for
 * real (sleeps, timeouts, backoff) is pinned to a moment without freezing time.
 */
export function clockFrom(start: string): () => Date {
  const origin = Date.parse(start);
  const began = performance.now();
  return () => new Date(origin + (performance.now() - began));
}

/** Saturday 12:00 in Berlin: inside the weekend rules of the fixtures and the quickstart. */
export const SATURDAY_NOON_BERLIN = '2026-12-05T11:00:00Z';

/** When the suite's reconciles start: a Thursday noon, inside no time window of the fixtures. */
export const TEST_START = '2026-11-26T12:00:00Z';

/** The moment the suite's loads judge exceptions' expiry against. */
export const TEST_NOW = new Date(TEST_START);

/** The clock a test's reconcile runs on: from TEST_START, at the real pace. */
export function testClock(): () => Date {
  return clockFrom(TEST_START);
}
