import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadFleetFiles } from '../src/fleet/load.js';
import { LoadDiskCache } from '../src/fleet/load-disk-cache.js';
import { schemaErrors } from '../src/fleet/schemas.js';
import type { FleetFiles } from '../src/fleet/source.js';
import { measure, peakRssMiB, printTable } from './harness.js';

/** The moment exceptions' expiry is judged against: fixed, so every round validates the same. */
const NOW = new Date('2026-11-26T12:00:00Z');

const FLEET = `apiVersion: codemonkeys.dev/v1
kind: Fleet
metadata: { name: bench }
spec:
  orgs: [{ name: acme, approvers: [alice] }, { name: globex }]
`;
const CONSTITUTION = `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: bench-rules }
spec:
  rules:
    - { id: no-weekend-prod, match: { actions: [deploy.apply], environments: [prod] }, when: { schedule: { days: [sat, sun], timezone: Europe/Berlin } }, effect: deny }
    - { id: green-releases, match: { actions: ["release.*"] }, when: { observed: { build: { not: green } } }, effect: deny }
`;

function product(index: number): string {
  const org = index % 2 === 0 ? 'acme' : 'globex';
  const dependsOn =
    index >= 10 ? `\n  dependsOn: [${index % 2 === 0 ? 'acme' : 'globex'}/p${index - 10}]` : '';
  return `apiVersion: codemonkeys.dev/v1
kind: Product
metadata:
  name: p${index}
  org: ${org}
  labels: { tier: standard }
spec:
  repo: { url: ../repos/p${index}.git, branch: main }${dependsOn}
  build:
    steps: ["npm ci", "npm test"]
    timeout: 15m
  release:
    versioning: conventional
    registries: [{ type: npm, url: http://127.0.0.1:4873, token: { env: NPM_TOKEN } }]
  deploy:
    playbook: deploy.yml
    environments: { staging: { version: latest }, prod: { version: 1.2.${index} } }
`;
}

export function generatedFleet(size: number): FleetFiles {
  const files = new Map<string, string>([
    ['fleet.yaml', FLEET],
    ['constitution.yaml', CONSTITUTION],
  ]);
  for (let index = 0; index < size; index++) files.set(`products/p${index}.yaml`, product(index));
  return { source: 'bench', revision: null, dirty: false, files };
}

/** Loading and validating a fleet, against the least any validator does: parse each file and run its schema. */
export function benchValidate(): void {
  const rows: Record<string, string | number>[] = [];
  const cacheRoot = mkdtempSync(join(tmpdir(), 'cm-bench-load-'));
  const cacheEnv = { ...process.env, CODEMONKEYS_CACHE_DIR: cacheRoot };
  for (const size of [100, 1000, 5000]) {
    const fleet = generatedFleet(size);
    const runs = size >= 5000 ? 3 : 7;
    const baseline = measure(runs, () => {
      for (const [file, text] of fleet.files) {
        const value = parse(text) as { kind: 'Fleet' | 'Constitution' | 'Product' };
        if (schemaErrors(value.kind, value).length > 0) throw new Error(`${file} invalid`);
      }
    });
    const ours = measure(runs, () => {
      const result = loadFleetFiles(fleet, NOW);
      if (!result.fleet) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
    });
    // The next process's load of the same files: the disk cache opened (read, code hashed once) and used.
    const warm = LoadDiskCache.open(fleet.source, cacheEnv);
    loadFleetFiles(fleet, NOW, undefined, warm);
    warm.save(fleet.files);
    const cached = measure(runs, () => {
      const result = loadFleetFiles(fleet, NOW, undefined, LoadDiskCache.open(fleet.source, cacheEnv));
      if (!result.fleet) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
    });
    rows.push({
      products: size,
      'baseline ms': baseline,
      'loadFleet ms': ours,
      ratio: ours / baseline,
      'disk-cached ms': cached,
      'cached ratio': cached / baseline,
      'products/s': (size / ours) * 1000,
      'peak RSS MiB': peakRssMiB(),
    });
  }
  rmSync(cacheRoot, { recursive: true, force: true });
  printTable(
    'validate: loadFleetFiles (positions, schemas, cross-file checks) vs YAML.parse + ajv per file; and with the disk cache of unchanged files',
    rows,
  );
}
