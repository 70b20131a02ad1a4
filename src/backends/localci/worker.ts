/**
 * Entry point of the detached build worker: `node worker.js <buildDir>`. It outlives the
 * reconciler that started it; everything it has to say goes to the build's record and log.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWorker } from './run-build.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.exit(2);
}
try {
  await runWorker(dir);
  process.exit(0);
} catch (error) {
  // The record stays `running`; the next observe sees this process gone and reports the build aborted.
  appendFileSync(
    join(dir, 'log.txt'),
    `\n==> worker failed: ${(error as Error)?.message ?? String(error)}\n`,
  );
  process.exit(1);
}
