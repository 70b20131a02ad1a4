import type { ErrorObject } from 'ajv';
import type { Problem } from './problems.js';
import { suggest } from './suggest.js';
import { type ParsedYaml, pointerSegments, toPointer } from './yaml.js';

type SchemaNode = Record<string, unknown> | undefined;

/** Keys whose values are never echoed back in messages, whatever the schema says. */
const SECRET_KEY = /(token|password|passwd|secret|credential|api[-_]?key|private[-_]?key)/i;
const MAX_FOUND_LENGTH = 60;

/**
 * Turns ajv's errors for one manifest into located problems that say what was expected and what
 * was found. Branch errors under a failed anyOf/oneOf are folded into the one error for that value.
 */
export function problemsFromSchemaErrors(parsed: ParsedYaml, errors: ErrorObject[]): Problem[] {
  const unions = errors.filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf');
  const insideUnion = (error: ErrorObject): boolean =>
    unions.some((union) => union !== error && error.schemaPath.startsWith(`${union.schemaPath}/`));
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (insideUnion(error) || error.keyword === 'propertyNames' || error.keyword === 'if') continue;
    const problem = describe(parsed, error);
    const key = `${problem.pointer}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describe(parsed: ParsedYaml, error: ErrorObject): Problem {
  if (error.propertyName !== undefined) return describeKey(parsed, error, error.propertyName);
  const parent = error.parentSchema as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const secret = isSecretValue(error.instancePath, parent);
  const found = secret ? describeSecretFound(error.data) : describeValue(error.data);
  const base = { severity: 'error' as const, file: parsed.file, pointer: error.instancePath };
  const at = (pointer: string, key = false) => parsed.locate(pointer, { key });

  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys((parent?.properties as object | undefined) ?? {});
      const pointer = `${error.instancePath}/${escapeSegment(name)}`;
      const hint = suggest(name, allowed);
      const expected = allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no fields here';
      return {
        ...base,
        code: 'unknown-field',
        pointer,
        ...at(pointer, true),
        message: `unknown field '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; expected ${expected}`,
        expected,
        found: name,
      };
    }
    case 'required': {
      const name = String(params.missingProperty);
      return {
        ...base,
        code: 'missing-field',
        ...at(error.instancePath),
        message: `missing required field '${name}'${where(error.instancePath)}`,
        expected: `field '${name}'`,
        found: 'nothing',
      };
    }
    case 'type': {
      if (parent?.['x-secret']) return literalSecret(base, at(error.instancePath), found);
      const expected = expectedOf(parent) ?? article(String(params.type));
      return mismatch(base, 'wrong-type', at(error.instancePath), expected, found);
    }
    case 'enum':
    case 'const': {
      const allowed = (error.keyword === 'enum' ? params.allowedValues : [params.allowedValue]) as unknown[];
      const hint = typeof error.data === 'string' ? suggest(error.data, allowed.map(String)) : undefined;
      const expected =
        allowed.length === 1 ? `'${String(allowed[0])}'` : `one of ${allowed.map(String).join(', ')}`;
      const problem = mismatch(base, 'not-allowed', at(error.instancePath), expected, found);
      if (hint) problem.message += ` (did you mean '${hint}'?)`;
      return problem;
    }
    case 'anyOf':
    case 'oneOf': {
      if (secret && typeof error.data !== 'object') return literalSecret(base, at(error.instancePath), found);
      return mismatch(
        base,
        'wrong-shape',
        at(error.instancePath),
        expectedOf(parent) ?? 'another shape',
        found,
      );
    }
    case 'pattern':
    case 'format': {
      const expected = expectedOf(parent) ?? `a value matching ${String(params.pattern ?? params.format)}`;
      return mismatch(base, 'bad-format', at(error.instancePath), expected, found);
    }
    case 'minProperties':
    case 'maxProperties': {
      if (parent?.['x-secret']) return literalSecret(base, at(error.instancePath), found);
      return mismatch(
        base,
        'wrong-shape',
        at(error.instancePath),
        expectedOf(parent) ?? String(error.message),
        found,
      );
    }
    default: {
      const expected = expectedOf(parent) ?? `a value that ${String(error.message)}`;
      return mismatch(base, 'invalid-value', at(error.instancePath), expected, found);
    }
  }
}

/**
 * A key that `propertyNames` refuses (ajv names it in `propertyName`): located at the key itself,
 * which is shown (a key names a value; it is never the secret).
 */
function describeKey(parsed: ParsedYaml, error: ErrorObject, key: string): Problem {
  const pointer = `${error.instancePath}/${escapeSegment(key)}`;
  const pattern = (error.params as { pattern?: unknown }).pattern;
  const expected =
    expectedOf(error.parentSchema as SchemaNode) ??
    (typeof pattern === 'string' ? `matching ${pattern}` : `that ${String(error.message)}`);
  const found = describeValue(key);
  return {
    severity: 'error',
    code: 'bad-key',
    file: parsed.file,
    pointer,
    ...parsed.locate(pointer, { key: true }),
    message: `expected a key ${expected} at ${error.instancePath}, found the key ${found}`,
    expected,
    found,
  };
}

type Base = Pick<Problem, 'severity' | 'file' | 'pointer'>;
type At = { line: number; column: number };

function mismatch(base: Base, code: string, position: At, expected: string, found: string): Problem {
  return {
    ...base,
    code,
    ...position,
    message: `expected ${expected}${where(base.pointer)}, found ${found}`,
    expected,
    found,
  };
}

function literalSecret(base: Base, position: At, found: string): Problem {
  return {
    ...base,
    code: 'literal-secret',
    ...position,
    message: `secrets are never written in a manifest${where(base.pointer)}: expected a reference { env: NAME } or { file: path }, found ${found}`,
    expected: 'a secret reference { env: NAME } or { file: path }',
    found,
  };
}

function where(pointer: string): string {
  return pointer === '' ? '' : ` at ${pointer}`;
}

function expectedOf(schema: SchemaNode): string | undefined {
  const text = schema?.['x-expected'];
  return typeof text === 'string' ? text : undefined;
}

function isSecretValue(pointer: string, schema: SchemaNode): boolean {
  if (schema?.['x-secret']) return true;
  return pointerSegments(pointer).some((segment) => SECRET_KEY.test(segment));
}

/** What was found in a secret-valued field, without the value itself. */
function describeSecretFound(value: unknown): string {
  if (typeof value === 'string') return 'a literal string (value not shown)';
  if (value === null || typeof value !== 'object') return `a literal ${typeOf(value)} (value not shown)`;
  return typeOf(value);
}

/** A short description of a value for a message: its type, and for scalars the value. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > MAX_FOUND_LENGTH ? `${value.slice(0, MAX_FOUND_LENGTH)}…` : value;
    return `'${shown}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeOf(value)} ${String(value)}`;
  return typeOf(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    null: 'null',
  };
  return type
    .split(',')
    .map((each) => names[each] ?? each)
    .join(' or ');
}

function escapeSegment(segment: string): string {
  return toPointer([segment]).slice(1);
}
