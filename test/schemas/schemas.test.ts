import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadFleet } from '../../src/fleet/load.js';
import { MANIFEST_KINDS, readSchema, SCHEMA_FILES, schemaErrors } from '../../src/fleet/schemas.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { FIXTURES, readTree } from '../helpers/fleet-fixtures.js';

const NOW = new Date('2026-11-26T12:00:00Z');

/** Every fleet repo shipped with the project: examples, the dogfood fleet, the valid fixtures. */
const FLEETS = [
  ...readdirSync(join(PACKAGE_ROOT, 'examples')).map((name) => join(PACKAGE_ROOT, 'examples', name)),
  join(PACKAGE_ROOT, 'fleet'),
  join(FIXTURES, 'fleets', 'base'),
  join(FIXTURES, 'fleets', 'manifests-md'),
].filter((dir) => existsSync(join(dir, 'fleet.yaml')));

describe('the JSON Schemas', () => {
  it.each(Object.entries(SCHEMA_FILES))('%s is a draft 2020-12 schema with an $id', (_kind, file) => {
    const schema = readSchema(file);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(`https://codemonkeys.dev/schemas/v1/${file}`);
  });

  it.each(MANIFEST_KINDS)('%s rejects unknown fields at the top level and in spec', (kind) => {
    const errors = schemaErrors(kind, {
      apiVersion: 'codemonkeys.dev/v1',
      kind,
      metadata: { name: 'x', org: 'y' },
      spec: { bogus: 1 },
      extra: 2,
    });
    const unknown = errors
      .filter((error) => error.keyword === 'additionalProperties')
      .map((error) => error.params.additionalProperty);
    expect(unknown).toEqual(expect.arrayContaining(['extra', 'bogus']));
  });
});

describe('every fleet shipped with the project', () => {
  it('includes the quickstart, the dogfood fleet and the MANIFESTS.md example', () => {
    expect(FLEETS.map((dir) => dir.slice(PACKAGE_ROOT.length + 1))).toEqual(
      expect.arrayContaining(['examples/quickstart', 'fleet', 'test/fixtures/fleets/manifests-md']),
    );
  });

  it.each(FLEETS.map((dir) => [dir.slice(PACKAGE_ROOT.length + 1), dir]))(
    '%s passes ajv file by file',
    (_name, dir) => {
      for (const [file, text] of readTree(dir)) {
        if (!/^(fleet|constitution)\.yaml$|^products\/.*\.yaml$/.test(file)) continue;
        const value = parse(text) as { kind: 'Fleet' | 'Constitution' | 'Product' };
        expect(schemaErrors(value.kind, value), `${file}`).toEqual([]);
      }
    },
  );

  it.each(FLEETS.map((dir) => [dir.slice(PACKAGE_ROOT.length + 1), dir]))(
    '%s loads with no problem at all',
    async (_name, dir) => {
      const result = await loadFleet({ fleet: dir, cwd: PACKAGE_ROOT, now: NOW });
      expect(result.problems).toEqual([]);
      expect(result.fleet?.products.size).toBeGreaterThan(0);
    },
  );
});
