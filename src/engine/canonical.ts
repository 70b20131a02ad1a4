/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit), no whitespace, arrays in order,
 * properties whose value is undefined (or a function or symbol) dropped, as JSON.stringify drops
 * them. Two values that mean the same data give the same text, so hashes of it (plan ids, the
 * decision log's inputs hash, the audit chain) do not depend on the order keys were written in.
 *
 * Follows JSON.stringify otherwise: `toJSON` is honoured (a Date becomes its ISO string),
 * non-finite numbers and undefined array items become null. A bigint, a cycle or an undefined
 * top-level value cannot be represented and throw a TypeError.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value, new Set());
  if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} is not JSON`);
  return text;
}

function write(value: unknown, ancestors: Set<object>): string | undefined {
  const json = toJsonValue(value);
  if (json === null) return 'null';
  switch (typeof json) {
    case 'string':
    case 'boolean':
      return JSON.stringify(json);
    case 'number':
      return Number.isFinite(json) ? JSON.stringify(json) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint is not JSON');
    case 'object':
      return writeObject(json, ancestors);
    default:
      // undefined, functions and symbols: dropped by the caller, as JSON.stringify does.
      return undefined;
  }
}

function writeObject(value: object, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw new TypeError('canonicalJson: the value contains a cycle');
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item) => write(item, ancestors) ?? 'null').join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = write(record[key], ancestors);
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
    }
    text = `{${members.join(',')}}`;
  }
  ancestors.delete(value);
  return text;
}

function toJsonValue(value: unknown): unknown {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  return value;
}
