import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Action } from '../../src/actions/action.js';
import { openStore, type SqliteStore } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/git.js';

const cleanups: (() => void)[] = [];

/** Closes every store and removes every folder the test opened; call once at the top of a test file. */
export function cleanUpStoresAfterEach(): void {
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });
}

/** A fresh temporary folder, removed after the test. */
export function tempStateDir(): string {
  const { dir, cleanup } = tempDir('cm-store-');
  cleanups.push(cleanup);
  return dir;
}

/** A store on a new SQLite file in a temporary folder, closed after the test. */
export function tempStore(): { store: SqliteStore; path: string } {
  const path = join(tempStateDir(), 'state', 'state.db');
  const store = openStore(path);
  cleanups.push(() => store.close());
  return { store, path };
}

/** Opens another store on the same file, closed after the test. */
export function reopen(path: string, options: { readonly?: boolean } = {}): SqliteStore {
  const store = openStore(path, options);
  cleanups.push(() => store.close());
  return store;
}

/** A build action of acme/widget keyed by `key`. */
export function action(key: string, overrides: Partial<Action> = {}): Action {
  return {
    id: `id-${key}`,
    product: 'acme/widget',
    facet: 'build',
    kind: 'build.trigger',
    params: { ref: 'main' },
    reason: 'no build of main yet',
    dependsOn: [],
    idempotencyKey: key,
    changeClass: 'run',
    ...overrides,
  };
}

/** A time `seconds` after a fixed origin, so tests never depend on the clock. */
export function at(seconds: number): Date {
  return new Date(Date.UTC(2030, 0, 1, 12, 0, 0) + seconds * 1000);
}

/** The context `beginAction` takes, at `at(seconds)`. */
export function run(seconds: number, runId = 'run-1'): { planId: string | null; runId: string; now: Date } {
  return { planId: 'plan-1', runId, now: at(seconds) };
}
