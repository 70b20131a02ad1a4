import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { watchFleet } from '../../src/server/fleet-watch.js';
import { bareWithClone, commitAll, git, tempDir } from '../helpers/git.js';
import { until } from '../helpers/until.js';

const silent = createLogger({ level: 'silent' });
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('watching the fleet repo', () => {
  it('a local fleet repo: a burst of file changes is one change, the state folder is not watched', async () => {
    const { dir, cleanup } = tempDir('cm-fleet-watch-');
    cleanups.push(cleanup);
    let changes = 0;
    const watcher = watchFleet(dir, { cwd: dir, logger: silent, changed: () => changes++ });
    cleanups.push(() => watcher.close());
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let index = 0; index < 5; index++) writeFileSync(join(dir, `product-${index}.yaml`), 'x');
    await until('the change', () => changes === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(changes).toBe(1);
    // The reconciler's own files change all the time without the fleet changing.
    mkdirSync(join(dir, '.codemonkeys'));
    writeFileSync(join(dir, '.codemonkeys', 'state.db'), 'state');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(changes).toBe(1);
  });

  it('a fleet repo given as a URL: a new head is seen by asking for it, and only a new one', async () => {
    const { dir, cleanup } = tempDir('cm-fleet-watch-');
    cleanups.push(cleanup);
    const { bare, work } = await bareWithClone(dir);
    writeFileSync(join(work, 'fleet.yaml'), 'one\n');
    await commitAll(work, 'one');
    await git(work, 'push', '-q', 'origin', 'HEAD:main');
    let changes = 0;
    const watcher = watchFleet(`file://${bare}`, {
      cwd: dir,
      logger: silent,
      changed: () => changes++,
      pollMs: 100,
    });
    cleanups.push(() => watcher.close());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(changes).toBe(0);
    writeFileSync(join(work, 'fleet.yaml'), 'two\n');
    await commitAll(work, 'two');
    await git(work, 'push', '-q', 'origin', 'HEAD:main');
    await until('the new head seen', () => changes === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(changes).toBe(1);
  });
});
