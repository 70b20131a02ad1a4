import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FleetFiles } from '../../src/fleet/source.js';

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
export const BASE_FLEET = join(FIXTURES, 'fleets', 'base');

/** Every file below a directory, by path relative to it. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.set(relative(dir, full).split(sep).join('/'), readFileSync(full, 'utf8'));
  }
  return files;
}

/** The base fixture fleet with some files replaced, added (a string) or removed (null). */
export function fleetWith(overlay: Record<string, string | null> = {}): FleetFiles {
  const files = readTree(BASE_FLEET);
  for (const [path, text] of Object.entries(overlay)) {
    if (text === null) files.delete(path);
    else files.set(path, text);
  }
  return { source: BASE_FLEET, revision: null, dirty: false, files };
}

/** The text of a base fixture file with one substring replaced (which must be there). */
export function baseFileWith(path: string, search: string, replacement: string): string {
  const text = readFileSync(join(BASE_FLEET, path), 'utf8');
  if (!text.includes(search)) throw new Error(`fixture ${path} has no '${search}'`);
  return text.replace(search, replacement);
}
