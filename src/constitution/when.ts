import type { ChangeCounts } from '../actions/action.js';
import type { Comparison, FacetName, RuleWhen, StateTest } from '../fleet/model.js';
import type { GateSubject } from './evaluate.js';
import { globMatcher } from './match.js';
import { scheduleHolds } from './schedule.js';

/** The state word of a facet that has no observation. */
export const UNKNOWN_STATE = 'unknown';

const NO_CHANGES: ChangeCounts = { add: 0, change: 0, destroy: 0 };

/**
 * True when every clause of `when` that is present holds (an absent `when` always holds):
 * `schedule` (see scheduleHolds), `observed`, `changes` and `paths`.
 */
export function whenHolds(when: RuleWhen | undefined, subject: GateSubject, now: Date): boolean {
  if (!when) return true;
  if (when.schedule && !scheduleHolds(when.schedule, now)) return false;
  if (when.observed && !observedHolds(when.observed, subject.observed)) return false;
  if (when.changes && !changesHold(when.changes, subject.action.changes)) return false;
  if (when.paths && !pathsHold(when.paths, subject.action.paths)) return false;
  return true;
}

/**
 * Every facet's test holds for its observed state word; a facet with no observation is
 * 'unknown', so `{ build: { not: green } }` holds when the build could not be observed.
 */
export function observedHolds(
  tests: Partial<Record<FacetName, StateTest>>,
  observed: Partial<Record<FacetName, string>>,
): boolean {
  for (const [facet, test] of Object.entries(tests) as [FacetName, StateTest | undefined][]) {
    if (!test) continue;
    const state = observed[facet] ?? UNKNOWN_STATE;
    if (!stateTestHolds(test, state)) return false;
  }
  return true;
}

/** `{ is: S | [S…] }` holds when the state is one of them; `{ not: … }` when it is none of them. */
export function stateTestHolds(test: StateTest, state: string): boolean {
  if ('is' in test) return asList(test.is).includes(state);
  return !asList(test.not).includes(state);
}

function asList(states: string | string[]): string[] {
  return typeof states === 'string' ? [states] : states;
}

/**
 * Every given count passes every given comparison. `total` is add + change + destroy; an
 * action that declares no changes counts as zeros.
 */
export function changesHold(
  clauses: NonNullable<RuleWhen['changes']>,
  changes: ChangeCounts | undefined,
): boolean {
  const counts = changes ?? NO_CHANGES;
  const values = {
    add: counts.add,
    change: counts.change,
    destroy: counts.destroy,
    total: counts.add + counts.change + counts.destroy,
  };
  for (const [field, comparison] of Object.entries(clauses) as [keyof typeof values, Comparison][]) {
    if (comparison && !compares(values[field], comparison)) return false;
  }
  return true;
}

/** Every operator of a comparison holds for the value: `{ gt: 0, lte: 5 }` is 1–5. */
export function compares(value: number, comparison: Comparison): boolean {
  if (comparison.gt !== undefined && !(value > comparison.gt)) return false;
  if (comparison.gte !== undefined && !(value >= comparison.gte)) return false;
  if (comparison.lt !== undefined && !(value < comparison.lt)) return false;
  if (comparison.lte !== undefined && !(value <= comparison.lte)) return false;
  if (comparison.eq !== undefined && value !== comparison.eq) return false;
  return true;
}

/**
 * Some file the action touches matches some glob (dotfiles included: `**` covers `.ci/run`).
 * An action that names no files touches none, so the clause does not hold.
 */
export function pathsHold(globs: readonly string[], paths: readonly string[] | undefined): boolean {
  if (!paths || paths.length === 0) return false;
  const matches = globMatcher(globs, { dot: true });
  return paths.some((path) => matches(path));
}
