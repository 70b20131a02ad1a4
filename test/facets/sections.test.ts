import { describe, expect, it } from 'vitest';
import { sectionsNotActedOn } from '../../src/facets/sections.js';
import { loadFleetFiles } from '../../src/fleet/load.js';
import { TEST_NOW } from '../helpers/clock.js';

function load(spec: string) {
  const files = new Map([
    [
      'fleet.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: t }\nspec:\n  orgs: [{ name: acme }]\n',
    ],
    [
      'constitution.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: c }\nspec: {}\n',
    ],
    [
      'products/acme/site.yaml',
      `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: site, org: acme }\nspec:\n  repo: { url: ../site.git }\n${spec}`,
    ],
  ]);
  const loaded = loadFleetFiles({ source: '/fleet', revision: null, dirty: false, files }, TEST_NOW);
  if (!loaded.fleet) throw new Error(JSON.stringify(loaded.problems));
  return loaded;
}

describe('spec sections no facet acts on yet', () => {
  it('are warned about at their key, one warning each, never silently ignored', () => {
    const loaded = load(
      '  build: { steps: [make] }\n  docs: { engine: mkdocs, config: mkdocs.yml }\n  heal: { enabled: true }\n',
    );
    const problems = sectionsNotActedOn(loaded);
    expect(
      problems.map(({ pointer, line, column, severity, code }) => ({
        pointer,
        line,
        column,
        severity,
        code,
      })),
    ).toEqual([
      { pointer: '/spec/docs', line: 7, column: 3, severity: 'warning', code: 'not-acted-on' },
      { pointer: '/spec/heal', line: 8, column: 3, severity: 'warning', code: 'not-acted-on' },
    ]);
    expect(problems[0]?.message).toMatch(
      /^spec\.docs is not acted on yet: this version of codemonkeys reconciles build, release, infra, deploy;/,
    );
  });

  it('are none when every section has its facet', () => {
    expect(sectionsNotActedOn(load('  build: { steps: [make] }\n  dependsOn: []\n'))).toEqual([]);
  });
});
