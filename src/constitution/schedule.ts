import { CodemonkeysError } from '../errors.js';
import type { RuleWhen, Weekday } from '../fleet/model.js';

export type Schedule = NonNullable<RuleWhen['schedule']>;

/** A moment as a wall clock in some time zone shows it. */
export interface LocalTime {
  day: Weekday;
  /** Minutes since local midnight, 0–1439. */
  minutes: number;
}

const MINUTES_PER_DAY = 24 * 60;
const WEEKDAYS: Readonly<Record<string, Weekday>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

/**
 * True when `now`, read in the schedule's time zone (default UTC), falls on one of its `days`
 * and inside its `hours` window. Each part holds on its own: a window that wraps midnight
 * (22:00-06:00) is judged by the local day of `now`, not the day the window opened.
 */
export function scheduleHolds(schedule: Schedule, now: Date): boolean {
  const local = localTime(now, schedule.timezone ?? 'UTC');
  if (schedule.days && !schedule.days.includes(local.day)) return false;
  if (schedule.hours !== undefined && !inWindow(schedule.hours, local.minutes)) return false;
  return true;
}

/**
 * True when a minute of the day is inside an `HH:MM-HH:MM` window: the start is inside, the end
 * is not. A start after the end wraps midnight; a start equal to the end is the whole day.
 */
export function inWindow(hours: string, minutes: number): boolean {
  const { start, end } = parseWindow(hours);
  if (start === end) return true;
  if (start < end) return minutes >= start && minutes < end;
  return minutes >= start || minutes < end;
}

/** Parses `HH:MM-HH:MM` into minutes since midnight; the end may be 24:00. */
export function parseWindow(hours: string): { start: number; end: number } {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(hours);
  if (!match) {
    throw new CodemonkeysError(`schedule hours '${hours}' is not a window HH:MM-HH:MM`, {
      reason: 'InvalidSchedule',
    });
  }
  const [, startHour, startMinute, endHour, endMinute] = match.map(Number) as number[];
  const start = Math.min((startHour as number) * 60 + (startMinute as number), MINUTES_PER_DAY);
  const end = Math.min((endHour as number) * 60 + (endMinute as number), MINUTES_PER_DAY);
  return { start, end };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday and minute of the day that a wall clock in `timeZone` shows at `now`. */
export function localTime(now: Date, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((each) => each.type === type)?.value ?? '';
  const day = WEEKDAYS[part('weekday')];
  const hour = Number(part('hour'));
  const minute = Number(part('minute'));
  if (day === undefined || !Number.isInteger(hour) || !Number.isInteger(minute)) {
    throw new CodemonkeysError(`cannot read the local time in time zone '${timeZone}'`, {
      reason: 'InvalidSchedule',
    });
  }
  return { day, minutes: (hour % 24) * 60 + minute };
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter) return formatter;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  } catch (error) {
    // The loader refuses unknown time zones; reaching here means an unvalidated constitution.
    throw new CodemonkeysError(`unknown time zone '${timeZone}' in a constitution schedule`, {
      reason: 'UnknownTimeZone',
      cause: error,
    });
  }
  formatters.set(timeZone, formatter);
  return formatter;
}
