import { describe, expect, it } from 'vitest';
import { ACTION_KINDS } from '../../src/actions/kinds.js';
import { ACTUATORS } from '../../src/engine/actuators.js';
import { FACETS } from '../../src/facets/index.js';
import { makeFleet } from '../helpers/engine.js';

describe('the explicit registries', () => {
  it.each([...FACETS])(
    'facet %s is registered under its own name and asks only products that configure it',
    (name, facet) => {
      expect(facet.name).toBe(name);
      const fleet = makeFleet([{ id: 'acme/with' }, { id: 'acme/without', build: false }]);
      expect(facet.configured(fleet.products.get('acme/without') as never)).toBe(false);
    },
  );

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
