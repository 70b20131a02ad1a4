import { describe, it } from 'vitest';
import { type ApplyCase, expectApplies } from './helpers.js';

/** `when.schedule`: days and hours windows in a time zone (the default moment is Tuesday 12:00 UTC). */
const scheduleCases: ApplyCase[] = [
  {
    name: 'a listed day holds (UTC by default)',
    rule: { when: { schedule: { days: ['tue'] } } },
    applies: true,
  },
  {
    name: 'an unlisted day does not hold',
    rule: { when: { schedule: { days: ['sat', 'sun'] } } },
    applies: false,
  },
  {
    name: 'the local day in the time zone counts, not the UTC day',
    rule: { when: { schedule: { days: ['sat'], timezone: 'Europe/Berlin' } } },
    now: '2026-11-27T23:30:00Z',
    applies: true,
  },
  {
    name: 'the UTC day does not count when a time zone is given',
    rule: { when: { schedule: { days: ['fri'], timezone: 'Europe/Berlin' } } },
    now: '2026-11-27T23:30:00Z',
    applies: false,
  },
  {
    name: 'west of UTC the local day can be the day before',
    rule: { when: { schedule: { days: ['fri'], timezone: 'America/Los_Angeles' } } },
    now: '2026-11-28T03:00:00Z',
    applies: true,
  },
  {
    name: 'the start of an hours window is inside',
    rule: { when: { schedule: { hours: '09:00-17:00' } } },
    now: '2026-11-24T09:00:00Z',
    applies: true,
  },
  {
    name: 'the minute before the end is inside',
    rule: { when: { schedule: { hours: '09:00-17:00' } } },
    now: '2026-11-24T16:59:59Z',
    applies: true,
  },
  {
    name: 'the end of an hours window is outside',
    rule: { when: { schedule: { hours: '09:00-17:00' } } },
    now: '2026-11-24T17:00:00Z',
    applies: false,
  },
  {
    name: 'before the window is outside',
    rule: { when: { schedule: { hours: '09:00-17:00' } } },
    now: '2026-11-24T08:59:00Z',
    applies: false,
  },
  {
    name: 'a wrapping window holds late in the evening',
    rule: { when: { schedule: { hours: '22:00-06:00' } } },
    now: '2026-11-24T23:00:00Z',
    applies: true,
  },
  {
    name: 'a wrapping window holds at its start',
    rule: { when: { schedule: { hours: '22:00-06:00' } } },
    now: '2026-11-24T22:00:00Z',
    applies: true,
  },
  {
    name: 'a wrapping window holds after midnight',
    rule: { when: { schedule: { hours: '22:00-06:00' } } },
    now: '2026-11-24T05:59:00Z',
    applies: true,
  },
  {
    name: 'a wrapping window ends at its end',
    rule: { when: { schedule: { hours: '22:00-06:00' } } },
    now: '2026-11-24T06:00:00Z',
    applies: false,
  },
  {
    name: 'a wrapping window does not hold at noon',
    rule: { when: { schedule: { hours: '22:00-06:00' } } },
    applies: false,
  },
  {
    name: 'a window up to 24:00 holds in the last minute',
    rule: { when: { schedule: { hours: '18:00-24:00' } } },
    now: '2026-11-24T23:59:00Z',
    applies: true,
  },
  {
    name: 'a window whose start equals its end is the whole day',
    rule: { when: { schedule: { hours: '08:00-08:00' } } },
    applies: true,
  },
  {
    name: 'hours are read in the time zone',
    rule: { when: { schedule: { hours: '09:00-17:00', timezone: 'Europe/Berlin' } } },
    now: '2026-11-24T08:30:00Z',
    applies: true,
  },
  {
    name: 'days and hours must both hold',
    rule: { when: { schedule: { days: ['mon'], hours: '09:00-17:00' } } },
    applies: false,
  },
];

describe('evaluate: when a rule’s schedule holds', () => {
  it.each(scheduleCases.map((each) => [each.name, each] as const))('%s', (_name, testCase) =>
    expectApplies(testCase),
  );
});
