import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/actions/canonical.js';

describe('canonicalJson', () => {
  it.each([
    [
      'sorts object keys at every depth',
      { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } },
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    ],
    ['keeps arrays in order', [3, 1, 2], '[3,1,2]'],
    ['drops undefined properties', { a: undefined, b: 1 }, '{"b":1}'],
    [
      'drops functions and symbols as JSON.stringify does',
      { f: () => 1, s: Symbol('x'), k: 'v' },
      '{"k":"v"}',
    ],
    ['writes undefined array items as null', [1, undefined, 2], '[1,null,2]'],
    ['writes non-finite numbers as null', [Number.NaN, Number.POSITIVE_INFINITY], '[null,null]'],
    ['escapes strings and keys', { 'a"b': 'line\nbreak' }, '{"a\\"b":"line\\nbreak"}'],
    [
      'uses toJSON (a Date becomes its ISO string)',
      { at: new Date('2026-11-24T12:00:00Z') },
      '{"at":"2026-11-24T12:00:00.000Z"}',
    ],
    ['writes scalars as JSON', 'x', '"x"'],
    ['writes no whitespace', { a: [1, { b: true }] }, '{"a":[1,{"b":true}]}'],
    ['sorts keys by code unit, not locale', { b: 1, B: 2, a: 3, _: 4 }, '{"B":2,"_":4,"a":3,"b":1}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('gives the same text for the same data written in another key order', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });

  it('allows a shared object twice, refuses a cycle', () => {
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(/cycle/);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });
});

describe('canonicalJson and toJSON', () => {
  it('applies toJSON once to a value, as JSON.stringify does, and again to what it holds', () => {
    const inner = { toJSON: () => 'inner' };
    const outer = { toJSON: () => ({ toJSON: () => 'twice', nested: inner }) };
    expect(canonicalJson(outer)).toBe(JSON.stringify(outer));
    expect(canonicalJson([outer])).toBe(JSON.stringify([outer]));
  });
});
