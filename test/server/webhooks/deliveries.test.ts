import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY_MEMORY, DeliveryMemory } from '../../../src/server/webhooks/deliveries.js';

describe('the memory of deliveries', () => {
  it('knows an id once remembered, and no other', () => {
    const memory = new DeliveryMemory();
    memory.remember('github:72d3162e');
    expect(memory.has('github:72d3162e')).toBe(true);
    expect(memory.has('gitea:72d3162e')).toBe(false);
  });

  it('forgets the oldest id first when full', () => {
    const memory = new DeliveryMemory(3);
    for (const id of ['a', 'b', 'c', 'd']) memory.remember(id);
    expect(['a', 'b', 'c', 'd'].map((id) => memory.has(id))).toEqual([false, true, true, true]);
    expect(memory.size).toBe(3);
  });

  it('remembering an id again neither repeats it nor makes it younger', () => {
    const memory = new DeliveryMemory(2);
    memory.remember('a');
    memory.remember('b');
    memory.remember('a');
    memory.remember('c');
    expect(memory.size).toBe(2);
    expect(memory.has('a')).toBe(false);
    expect(memory.has('b')).toBe(true);
  });

  it('stays bounded under a flood of new ids', () => {
    const memory = new DeliveryMemory();
    for (let index = 0; index < 3 * DEFAULT_DELIVERY_MEMORY; index += 1) memory.remember(`flood-${index}`);
    expect(memory.size).toBe(DEFAULT_DELIVERY_MEMORY);
    expect(memory.has(`flood-${3 * DEFAULT_DELIVERY_MEMORY - 1}`)).toBe(true);
    expect(memory.has(`flood-${2 * DEFAULT_DELIVERY_MEMORY - 1}`)).toBe(false);
  });

  it.each([0, -1, 1.5])('refuses a capacity of %s, naming it', (capacity) => {
    expect(() => new DeliveryMemory(capacity)).toThrow(`got ${capacity}`);
  });
});
