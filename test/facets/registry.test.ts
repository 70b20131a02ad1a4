import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTION_KINDS, FACET_NAMES } from '../../src/actions/kinds.js';
import { actionKinds, FACETS } from '../../src/facets/index.js';
import { makeFleet } from '../helpers/engine.js';

const schema = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../schemas/${name}`, import.meta.url)), 'utf8'));

/** Kinds the design names whose facet is registered, but which that facet does not plan yet. */
const NOT_PLANNED_YET = new Set(['heal.attempt']);

describe('the facet registry', () => {
  it.each([...FACETS])(
    'facet %s is registered under its own name and asks only products that configure it',
    (name, facet) => {
      expect(facet.name).toBe(name);
      expect(FACET_NAMES).toContain(name);
      const fleet = makeFleet([{ id: 'acme/with' }, { id: 'acme/without', build: false }]);
      expect(facet.configured(fleet.products.get('acme/without') as never)).toBe(false);
    },
  );

  it("lists every facet after the facets it needs, so one product's actions come in a valid order", () => {
    const seen: string[] = [];
    for (const facet of FACETS.values()) {
      for (const need of facet.needs) expect(seen, `${facet.name} needs ${need}`).toContain(need);
      seen.push(facet.name);
    }
  });

  it('deploys after build and infra: provision, then deploy onto it', () => {
    expect(FACETS.get('deploy')?.needs).toEqual(['build', 'infra']);
    expect(FACETS.get('infra')?.needs).toEqual([]);
  });

  it("each action kind a facet declares is in the constitution's vocabulary, under that facet", () => {
    for (const [kind, spec] of actionKinds()) expect(ACTION_KINDS[kind], kind).toBe(spec.facet);
  });

  it('every kind of a registered facet in the vocabulary has an actuator in that facet', () => {
    const declared = actionKinds();
    const missing = Object.entries(ACTION_KINDS)
      .filter(([kind, facet]) => facet !== 'product' && FACETS.has(facet) && !NOT_PLANNED_YET.has(kind))
      .filter(([kind]) => !declared.has(kind as never))
      .map(([kind]) => kind);
    expect(missing).toEqual([]);
  });

  it('the schemas name the same facets: constitution and policy-test when.observed, product spec sections', () => {
    const observed = (file: string, path: string[]) => {
      let node = schema(file);
      for (const key of path) node = node[key];
      return node.propertyNames.enum;
    };
    expect(observed('constitution.schema.json', ['$defs', 'when', 'properties', 'observed'])).toEqual([
      ...FACET_NAMES,
    ]);
    expect(observed('policy-test.schema.json', ['$defs', 'case', 'properties', 'observed'])).toEqual([
      ...FACET_NAMES,
    ]);
    const sections = Object.keys(schema('product.schema.json').properties.spec.properties);
    for (const facet of FACET_NAMES) expect(sections).toContain(facet);
  });
});
