import { describe, expect, it } from 'vitest';
import { ACTION_KINDS } from '../../src/actions/kinds.js';
import { ACTUATORS } from '../../src/engine/actuators.js';
import { FACETS } from '../../src/facets/index.js';

describe('the actuators, from the facet registry', () => {
  it.each([...ACTUATORS.keys()])('actuator %s carries out a known action kind', (kind) => {
    expect(Object.keys(ACTION_KINDS)).toContain(kind);
  });

  it('has an actuator for every action kind a registered facet plans', () => {
    const planned = Object.entries(ACTION_KINDS)
      .filter(([, facet]) => facet === 'product' || FACETS.has(facet))
      .map(([kind]) => kind);
    const missing = planned.filter((kind) => kind !== 'heal.attempt' && !ACTUATORS.has(kind as never));
    expect(missing).toEqual([]);
  });
});
