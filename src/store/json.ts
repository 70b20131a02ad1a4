import { canonicalJson } from '../actions/canonical.js';
import { CodemonkeysError } from '../errors.js';
import { redactor } from '../log/redact.js';

/**
 * The value as it will be stored: reduced to plain JSON (dates become strings, undefined goes) and
 * then passed through the process-wide redactor, so no registered secret reaches the database.
 * JSON first, because the redactor copies objects field by field and would turn a Date into `{}`.
 */
export function storable(value: unknown): unknown {
  const text = JSON.stringify(value);
  const plain: unknown = text === undefined ? null : JSON.parse(text);
  return redactor.redactValue(plain);
}

/**
 * The canonical JSON text of `storable(value)`: what JSON columns hold. Redacted while it is
 * written, in one walk (a fleet's plan is hundreds of actions, stored every pass it changes).
 */
export function toStoredJson(value: unknown): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return canonicalJson(value, redactor);
}

/** Parses a JSON column; SQL NULL reads as null. */
export function fromStoredJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** A timestamp as the store writes it: ISO 8601 in UTC with milliseconds. */
export function isoTime(date: Date): string {
  return date.toISOString();
}

/** A time handed in as text, in the one ISO form the store writes; `what` names it in the error. */
export function isoFromText(text: string, what: string): string {
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new CodemonkeysError(`${what}: '${text}' is not a time`, {
      reason: 'InvalidTime',
      next: 'stalled',
    });
  }
  return new Date(time).toISOString();
}
