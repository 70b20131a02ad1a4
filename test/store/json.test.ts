import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/actions/canonical.js';
import { REDACTED, Redactor, redactor } from '../../src/log/redact.js';
import { storable, toStoredJson } from '../../src/store/json.js';

const SECRET = 'hunter2-s3cr3t-value';

/** What toStoredJson wrote before it was one walk: JSON's trip, the redactor's copy, canonical text. */
function reference(value: unknown): string {
  return canonicalJson(storable(value));
}

describe('toStoredJson', () => {
  it.each<[string, unknown]>([
    ['a plan-like value', { actions: [{ id: 'a1', params: { commit: 'abc', steps: ['true'] } }], n: 2 }],
    [
      'dates and toJSON',
      { at: new Date('2026-11-26T00:00:00Z'), nested: [{ toJSON: () => ({ b: 1, a: 2 }) }] },
    ],
    ['undefined members, functions, symbols', { a: undefined, f: () => 1, s: Symbol('s'), k: 'v' }],
    ['undefined and functions in arrays', [1, undefined, () => 1, 2]],
    ['non-finite numbers', { x: Number.NaN, y: [Number.POSITIVE_INFINITY], token: Number.NaN }],
    ['secret-named keys', { token: 'abc', api_key: 42, password: { nested: 'x' }, github_token: null }],
    ['a secret-named key over a date', { secret: new Date('2026-11-26T00:00:00Z') }],
    ['registered secrets inside strings', { log: `failed with ${SECRET} in it`, list: [SECRET] }],
    ['credentials in URLs', { repo: 'https://bob:pa55w0rd@example.test/x.git' }],
    ['integer-like and odd keys', { '10': 1, '9': 2, $ref: 3, 'a"b': 4, é: 5 }],
    ['scalars', 'text'],
    ['null', null],
    ['an error inside', { error: Object.assign(new Error('boom'), { code: 'E1' }) }],
  ])('%s: the same text as the trip through JSON, the redactor and canonicalJson', (_name, value) => {
    redactor.register(SECRET);
    expect(toStoredJson(value)).toBe(reference(value));
  });

  it('writes undefined as null, as storable does', () => {
    expect(toStoredJson(undefined)).toBe('null');
    expect(reference(undefined)).toBe('null');
  });

  it('never lets a registered secret or a secret-named value through', () => {
    redactor.register(SECRET);
    const text = toStoredJson({ authorization: 'Basic abc', note: `x ${SECRET} y` });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Basic abc');
    expect(text).toBe(`{"authorization":"${REDACTED}","note":"x ${REDACTED} y"}`);
  });
});

describe('canonicalJson with a redaction', () => {
  it('masks what the given redactor knows, and only that', () => {
    const own = new Redactor();
    own.register('my-own-secret');
    expect(canonicalJson({ b: 'has my-own-secret', a: 1, token: 7 }, own)).toBe(
      `{"a":1,"b":"has ${REDACTED}","token":"${REDACTED}"}`,
    );
    expect(canonicalJson({ b: 'has my-own-secret' })).toBe('{"b":"has my-own-secret"}');
  });
});
