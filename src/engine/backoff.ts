/** Exponential backoff with ±20 % jitter: 10 s, 20 s, 40 s… up to 10 minutes. */
export function backoffDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(10_000 * 2 ** Math.max(0, attempts - 1), 600_000);
  return Math.round(base * (0.8 + random() * 0.4));
}
