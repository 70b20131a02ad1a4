/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit), no whitespace, arrays in order,
 * properties whose value is undefined (or a function or symbol) dropped, as JSON.stringify drops
 * them. Two values that mean the same data give the same text, so hashes of it (plan ids, the
 * decision log's inputs hash, the audit chain) do not depend on the order keys were written in.
 *
 * Follows JSON.stringify otherwise: `toJSON` is honoured (a Date becomes its ISO string),
 * non-finite numbers and undefined array items become null. A bigint, a cycle or an undefined
 * top-level value cannot be represented and throw a TypeError.
 *
 * With `redaction`, the text is that of the value redacted after its trip through JSON (what the
 * store keeps, see store/json.ts), written in the same walk: every string value passes through
 * `text`, and a member under a secret key whose value is a string or a number is `mask`.
 */
export function canonicalJson(value: unknown, redaction?: Redaction): string {
  const text = write(value, { ancestors: new Set(), redaction });
  if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
  return text;
}

/** How canonicalJson takes secrets out while it writes (the log redactor is one). */
export interface Redaction {
  redactText(text: string): string;
  isSecretKey(key: string): boolean;
  readonly mask: string;
}

interface Walk {
  ancestors: Set<object>;
  redaction: Redaction | undefined;
}

function write(value: unknown, walk: Walk): string | undefined {
  return writeJson(jsonValue(value), walk);
}

/** A value toJSON() was already applied to (once, as JSON.stringify does). */
function writeJson(json: unknown, walk: Walk): string | undefined {
  switch (typeof json) {
    case 'string':
      return JSON.stringify(walk.redaction ? walk.redaction.redactText(json) : json);
    case 'boolean':
      return json ? 'true' : 'false';
    case 'number':
      return Number.isFinite(json) ? JSON.stringify(json) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint is not JSON');
    case 'object':
      return json === null ? 'null' : writeObject(json, walk);
    default:
      // undefined, functions and symbols: dropped by the caller, as JSON.stringify does.
      return undefined;
  }
}

function writeObject(value: object, walk: Walk): string {
  if (walk.ancestors.has(value)) throw new TypeError('canonicalJson: the value contains a cycle');
  walk.ancestors.add(value);
  // Strings built by concatenation: V8 joins them lazily, and this runs for every plan, action and observation.
  let text: string;
  if (Array.isArray(value)) {
    text = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) text += ',';
      text += write(value[index], walk) ?? 'null';
    }
    text += ']';
  } else {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length > 1) keys.sort();
    text = '{';
    let first = true;
    for (const key of keys) {
      const member = writeMember(key, record[key], walk);
      if (member === undefined) continue;
      if (!first) text += ',';
      first = false;
      text += quotedKey(key);
      text += ':';
      text += member;
    }
    text += '}';
  }
  walk.ancestors.delete(value);
  return text;
}

function writeMember(key: string, value: unknown, walk: Walk): string | undefined {
  const json = jsonValue(value);
  const redaction = walk.redaction;
  const secret = typeof json === 'string' || (typeof json === 'number' && Number.isFinite(json));
  if (secret && redaction?.isSecretKey(key)) return JSON.stringify(redaction.mask);
  return writeJson(json, walk);
}

/** What JSON.stringify writes for a value: its toJSON() where it has one. */
function jsonValue(value: unknown): unknown {
  return typeof value === 'object' &&
    value !== null &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ? (value as { toJSON: () => unknown }).toJSON()
    : value;
}

/** Keys repeat across a fleet's objects (product, kind, params…): each is quoted once. */
const QUOTED = new Map<string, string>();
const QUOTED_LIMIT = 4096;

function quotedKey(key: string): string {
  let quoted = QUOTED.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED.size < QUOTED_LIMIT) QUOTED.set(key, quoted);
  }
  return quoted;
}
