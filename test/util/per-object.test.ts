import { describe, expect, it } from 'vitest';
import { perObject } from '../../src/util/per-object.js';

describe('perObject', () => {
  it('computes once per object and again for another object', () => {
    let calls = 0;
    const size = perObject((value: { items: number[] }) => {
      calls++;
      return value.items.length;
    });
    const one = { items: [1, 2] };
    expect(size(one)).toBe(2);
    expect(size(one)).toBe(2);
    expect(calls).toBe(1);
    expect(size({ items: [1, 2] })).toBe(2);
    expect(calls).toBe(2);
  });

  it('remembers an undefined result, and nothing when the computation throws', () => {
    let calls = 0;
    const nothing = perObject((_value: object) => {
      calls++;
      return undefined;
    });
    const key = {};
    nothing(key);
    nothing(key);
    expect(calls).toBe(1);
    let attempts = 0;
    const failing = perObject((_value: object) => {
      attempts++;
      throw new Error('no');
    });
    expect(() => failing(key)).toThrow('no');
    expect(() => failing(key)).toThrow('no');
    expect(attempts).toBe(2);
  });
});
