import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDaemon } from './daemon.js';
import { benchJenkins } from './jenkins.js';
import { benchPlan } from './plan.js';
import { benchTools } from './tools.js';
import { benchValidate } from './validate.js';

/** Every benchmark, by name; `npm run bench -- NAME…` runs some, no argument runs all. */
const BENCHMARKS: ReadonlyMap<string, () => void | Promise<void>> = new Map([
  ['validate', benchValidate],
  ['plan', benchPlan],
  ['tools', benchTools],
  ['jenkins', benchJenkins],
  ['daemon', benchDaemon],
]);

// Mirrors and release checkouts made by the benches live in a cache of their own, removed at the end.
const cache = mkdtempSync(join(tmpdir(), 'codemonkeys-bench-cache-'));
process.env.CODEMONKEYS_CACHE_DIR ??= cache;
const wanted = process.argv.slice(2);
try {
  for (const [name, run] of BENCHMARKS) {
    if (wanted.length === 0 || wanted.includes(name)) await run();
  }
} finally {
  rmSync(cache, { recursive: true, force: true });
}
