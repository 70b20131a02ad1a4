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
