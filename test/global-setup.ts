import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Caches (repo mirrors, plugins) of the whole run live in one temporary folder, removed at the
 * end: tests never write to the developer's ~/.cache. Workers inherit the variable.
 */
export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'codemonkeys-test-cache-'));
  process.env.CODEMONKEYS_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
