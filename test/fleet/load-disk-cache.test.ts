import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFleet, loadFleetFiles } from '../../src/fleet/load.js';
import type { FileResult } from '../../src/fleet/load-cache.js';
import { LoadDiskCache } from '../../src/fleet/load-disk-cache.js';
import { BASE_FLEET, fleetWith } from '../helpers/fleet-fixtures.js';
import { cases, NOW, WIDGET } from '../helpers/validate-cases.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** An environment whose cache folder is new and empty. */
function freshCache(): NodeJS.ProcessEnv {
  const root = mkdtempSync(join(tmpdir(), 'cm-load-cache-'));
  roots.push(root);
  return { ...process.env, CODEMONKEYS_CACHE_DIR: root };
}

/** The disk cache of the base fleet's files, warmed by one load of them. */
function warmCache(env: NodeJS.ProcessEnv): LoadDiskCache {
  const base = fleetWith();
  const cache = LoadDiskCache.open(base.source, env);
  const result = loadFleetFiles(base, NOW, undefined, cache);
  expect(result.problems).toEqual([]);
  cache.save(base.files);
  return LoadDiskCache.open(base.source, env);
}

describe('the disk cache of per-file load results', () => {
  it('keeps every clean file of a load and gives each back, equal to a fresh parse', () => {
    const env = freshCache();
    const cache = warmCache(env);
    const base = fleetWith();
    const fleet = loadFleetFiles(base, NOW).fleet;
    const manifests = new Map<string, unknown>([
      [fleet?.fleet.file as string, fleet?.fleet.manifest],
      [fleet?.constitution.file as string, fleet?.constitution.manifest],
      ...[...(fleet?.products.values() ?? [])].map((product) => [product.file, product.manifest] as const),
    ]);
    for (const [file, text] of base.files) {
      const cached = cache.lookup(file, text);
      expect(cached?.problems, file).toEqual([]);
      expect(cached?.document?.valid).toBe(true);
      if (manifests.has(file)) expect(cached?.document?.value).toEqual(manifests.get(file));
    }
    // A text that changed is a miss, and so is the same text at another path.
    const [first] = base.files;
    expect(cache.lookup(first?.[0] as string, `${first?.[1]}\n# edited\n`)).toBeUndefined();
    expect(cache.lookup('products/acme/elsewhere.yaml', first?.[1] as string)).toBeUndefined();
  });

  it.each(cases)('reports $name exactly as a load without it does', ({ overlay }) => {
    const env = freshCache();
    const cache = warmCache(env);
    const files = fleetWith(overlay);
    const withCache = loadFleetFiles(files, NOW, undefined, cache);
    const without = loadFleetFiles(files, NOW);
    // Problems found across files point into cached documents at the same lines and columns.
    expect(withCache.problems).toEqual(without.problems);
    expect(withCache.fleet === undefined).toBe(without.fleet === undefined);
    expect([...(withCache.fleet?.products.values() ?? [])].map((product) => product.manifest)).toEqual(
      [...(without.fleet?.products.values() ?? [])].map((product) => product.manifest),
    );
  });

  it('never keeps a file with a problem of its own', () => {
    const env = freshCache();
    const files = fleetWith({
      [WIDGET]: readFileSync(join(BASE_FLEET, WIDGET), 'utf8').replace('15m', 'soon'),
    });
    const cache = LoadDiskCache.open(files.source, env);
    const result = loadFleetFiles(files, NOW, undefined, cache);
    expect(result.fleet).toBeUndefined();
    cache.save(files.files);
    const reopened = LoadDiskCache.open(files.source, env);
    expect(reopened.lookup(WIDGET, files.files.get(WIDGET) as string)).toBeUndefined();
    expect(reopened.lookup('fleet.yaml', files.files.get('fleet.yaml') as string)).toBeDefined();
    // The bad file still refuses the fleet on the next load, with the cache warm.
    expect(loadFleetFiles(files, NOW, undefined, reopened).problems).toEqual(result.problems);
  });

  it('keeps no value JSON would change (an infinite number)', () => {
    const cache = LoadDiskCache.open('/nowhere/fleet', freshCache());
    const value = { kind: 'Product', spec: { weight: Number.POSITIVE_INFINITY } };
    const odd: FileResult = {
      text: 'x',
      problems: [],
      document: {
        file: 'products/acme/odd.yaml',
        kind: 'Product',
        value,
        parsed: { file: 'products/acme/odd.yaml', value, locate: () => ({ line: 1, column: 1 }) },
        valid: true,
      },
    };
    cache.remember('products/acme/odd.yaml', 'x', odd);
    expect(cache.lookup('products/acme/odd.yaml', 'x')).toBeUndefined();
  });

  it('forgets everything another version of the code wrote, and files gone from the fleet', () => {
    const env = freshCache();
    warmCache(env);
    const base = fleetWith();
    const dir = join(env.CODEMONKEYS_CACHE_DIR as string, 'fleet-load');
    const [name] = readdirSync(dir);
    const path = join(dir, name as string);
    const written = JSON.parse(readFileSync(path, 'utf8')) as { code: string; entries: object };
    expect(Object.keys(written.entries)).toHaveLength(base.files.size);
    writeFileSync(path, JSON.stringify({ ...written, code: 'another version' }));
    const stranger = LoadDiskCache.open(base.source, env);
    for (const [file, text] of base.files) expect(stranger.lookup(file, text)).toBeUndefined();
    // A load of fewer files keeps only theirs.
    const fewer = new Map([...base.files].filter(([file]) => file !== WIDGET));
    const cache = LoadDiskCache.open(base.source, env);
    loadFleetFiles({ ...base, files: fewer }, NOW, undefined, cache);
    cache.save(fewer);
    const rewritten = JSON.parse(readFileSync(path, 'utf8')) as { entries: object };
    expect(Object.keys(rewritten.entries)).toHaveLength(fewer.size);
  });

  it('is used by loadFleet, and a cache folder that cannot be written changes nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cm-load-fleet-'));
    roots.push(root);
    const fleet = join(root, 'fleet');
    cpSync(BASE_FLEET, fleet, { recursive: true });
    const env = freshCache();
    const first = await loadFleet({ fleet, cwd: root, env, now: NOW });
    expect(first.problems).toEqual([]);
    const second = await loadFleet({ fleet, cwd: root, env, now: NOW });
    expect(readdirSync(join(env.CODEMONKEYS_CACHE_DIR as string, 'fleet-load'))).toHaveLength(1);
    expect([...(second.fleet?.products.keys() ?? [])]).toEqual([...(first.fleet?.products.keys() ?? [])]);
    // A file where the cache folder should be: nothing is cached, the load is the same.
    const blocked = join(root, 'not-a-folder');
    writeFileSync(blocked, '');
    const unwritable = await loadFleet({
      fleet,
      cwd: root,
      env: { ...env, CODEMONKEYS_CACHE_DIR: blocked },
      now: NOW,
    });
    expect(unwritable.problems).toEqual([]);
    expect([...(unwritable.fleet?.products.keys() ?? [])]).toEqual([...(first.fleet?.products.keys() ?? [])]);
  });
});
