import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (where package.json, schemas/ and playbooks/ are), wherever the code was compiled to. */
export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the codemonkeys package root above ${start}`);
    dir = parent;
  }
  return dir;
}

/**
 * A folder of the reconciler's caches (mirrors, plugins: anything that can be fetched again):
 * $CODEMONKEYS_CACHE_DIR/<kind>, else $XDG_CACHE_HOME/codemonkeys/<kind>, else ~/.cache/codemonkeys/<kind>.
 */
export function cacheDir(kind: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODEMONKEYS_CACHE_DIR) return join(env.CODEMONKEYS_CACHE_DIR, kind);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'codemonkeys', kind);
}
