import type { PlanContext } from './facet.js';

/**
 * The first key of the chain key, key:again:<t1>, key:again:<t1>:again:<t2>… that has not
 * succeeded yet: for an action that must run again after it succeeded (a build that vanished, a
 * deploy drifted again), under a key derived from the last one.
 */
export function freshKey(key: string, journal: PlanContext['journal'] | undefined): string {
  let current = key;
  for (let entry = journal?.(current); entry && entry.state === 'succeeded'; entry = journal?.(current)) {
    current = `${current}:again:${entry.finishedAt ?? entry.startedAt}`;
  }
  return current;
}
