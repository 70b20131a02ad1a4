import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { seedExampleRepos } from '../../src/quickstart/seed.js';
import { requireMirror } from '../backends/tofu/fixtures.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));

/**
 * A fresh copy of the quickstart fleet for a test file (no state, its product repos seeded) and a
 * cache folder of its own, both removed after the file's tests: `paths.fleet`, `paths.cache`.
 */
export function useQuickstartCopy(name: string): { fleet: string; cache: string } {
  const paths = { fleet: '', cache: '' };
  beforeAll(async () => {
    requireMirror();
    paths.fleet = await mkdtemp(join(tmpdir(), `cm-quickstart-${name}-`));
    paths.cache = await mkdtemp(join(tmpdir(), `cm-quickstart-${name}-cache-`));
    await cp(EXAMPLE, paths.fleet, {
      recursive: true,
      filter: (source) => !/^\.(repos|codemonkeys)($|[\\/])/.test(relative(EXAMPLE, source)),
    });
    await seedExampleRepos(paths.fleet);
  }, 60_000);
  afterAll(async () => {
    await rm(paths.fleet, { recursive: true, force: true });
    await rm(paths.cache, { recursive: true, force: true });
  });
  return paths;
}
