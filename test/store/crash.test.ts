import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore, type SqliteStore } from '../../src/store/sqlite.js';
import { cleanUpStoresAfterEach, tempStateDir } from './store-fixtures.js';
import { buildStoreIfStale, mulberry32 } from './worker-build.js';

cleanUpStoresAfterEach();

const WORKER = fileURLToPath(new URL('../fixtures/store/journal-worker.mjs', import.meta.url));
const SEED = Number(process.env.CODEMONKEYS_CRASH_SEED ?? 20_240_611);
const TRIALS = 24;
/** Keys each trial adds to the ones before it, so every trial has new work to be killed in. */
const KEYS_PER_TRIAL = 40;

interface WorkerRun {
  lines: string[];
  killed: boolean;
  exitCode: number | undefined;
  stderr: string;
}

/**
 * Runs the worker over `keys` keys; kills it with SIGKILL after `killAfter`: a time after spawn
 * (startup, open, migration, lease), or a number of lines it printed (in the middle of the work).
 */
async function runWorker(
  path: string,
  keys: number,
  owner: string,
  killAfter?: { ms: number } | { lines: number },
): Promise<WorkerRun> {
  const child = execa('node', [WORKER, path, String(keys), owner], { reject: false, stdin: 'ignore' });
  const lines: string[] = [];
  let rest = '';
  let timer: NodeJS.Timeout | undefined;
  if (killAfter && 'ms' in killAfter) timer = setTimeout(() => child.kill('SIGKILL'), killAfter.ms);
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
    if (killAfter && 'lines' in killAfter && lines.length >= killAfter.lines) child.kill('SIGKILL');
  });
  const result = await child;
  clearTimeout(timer);
  return {
    lines,
    killed: result.signal === 'SIGKILL',
    exitCode: result.exitCode,
    stderr: String(result.stderr),
  };
}

function keyIndex(key: string): number {
  return Number(key.slice('key-'.length));
}

/** Audit entries of each type, per idempotency key. */
function auditCounts(store: SqliteStore): Map<string, Record<string, number>> {
  const counts = new Map<string, Record<string, number>>();
  for (const entry of store.audit()) {
    const data = entry.data as { idempotencyKey?: string; key?: string };
    const key = data.idempotencyKey ?? data.key;
    if (!key) continue;
    const forKey = counts.get(key) ?? {};
    forKey[entry.type] = (forKey[entry.type] ?? 0) + 1;
    counts.set(key, forKey);
  }
  return counts;
}

/** What must hold after any crash: a sound file, an intact chain, each key in one consistent state. */
function checkInvariants(path: string, run: WorkerRun): SqliteStore {
  const raw = new Database(path, { readonly: true });
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  raw.close();
  const store = openStore(path);
  expect(store.verifyAudit()).toMatchObject({ ok: true });
  const counts = auditCounts(store);
  for (const entry of store.journal()) {
    const audited = counts.get(entry.idempotencyKey) ?? {};
    // The row and its audit entry commit together: one action.intent per attempt, never two successes.
    expect(audited['action.intent'], entry.idempotencyKey).toBe(entry.attempts);
    expect(audited['action.succeeded'] ?? 0, entry.idempotencyKey).toBe(entry.state === 'succeeded' ? 1 : 0);
    const finished = (audited['action.succeeded'] ?? 0) + (audited['action.failed'] ?? 0);
    expect(finished, entry.idempotencyKey).toBe(entry.attempts - (entry.state === 'intent' ? 1 : 0));
    expect(entry.finishedAt === null, entry.idempotencyKey).toBe(entry.state === 'intent');
  }
  // Everything the worker was told had committed survived the kill (recovered from the WAL).
  const lastLine = new Map<string, string[]>();
  for (const line of run.lines) {
    const [verb, key, ...rest] = line.split(' ');
    if (key && (verb === 'began' || verb === 'finished')) lastLine.set(key, [verb, ...rest]);
  }
  for (const [key, [verb, ...rest]] of lastLine) {
    const entry = store.journalEntry(key);
    expect(entry?.attempts, `${key} ${verb}`).toBe(Number(rest.at(-1)));
    if (verb === 'finished') expect(entry?.state, key).toBe(rest[0]);
  }
  return store;
}

describe('the store under kill -9', () => {
  beforeAll(async () => {
    await buildStoreIfStale();
  });

  it(`converges without running a key twice after ${TRIALS} killed reconcilers (seed ${SEED})`, async () => {
    const random = mulberry32(SEED);
    const path = join(tempStateDir(), 'state.db');
    let killed = 0;
    let hotWal = 0;
    let abandoned = 0;
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const keys = KEYS_PER_TRIAL * (trial + 1);
      const killAfter =
        random() < 0.25
          ? { ms: Math.floor(random() * 120) }
          : { lines: 1 + Math.floor(random() * 2 * KEYS_PER_TRIAL) };
      const run = await runWorker(path, keys, `worker-${trial}`, killAfter);
      if (!run.killed) expect(run, `trial ${trial} ended on its own`).toMatchObject({ exitCode: 0 });
      killed += run.killed ? 1 : 0;
      abandoned += run.lines.filter((line) => line.startsWith('abandoned ')).length;
      if (existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0) hotWal += 1;
      if (existsSync(path)) checkInvariants(path, run).close();
    }
    expect(killed).toBeGreaterThanOrEqual(20);
    expect(hotWal).toBeGreaterThan(0);
    // Some kills fell between an intent and its outcome, and the next worker recovered the key.
    expect(abandoned).toBeGreaterThan(0);

    const last = await runWorker(path, KEYS_PER_TRIAL * TRIALS, 'worker-final');
    expect(last, last.stderr).toMatchObject({ killed: false, exitCode: 0 });
    expect(last.lines.at(-1)).toBe('done');
    const store = checkInvariants(path, last);
    const entries = store.journal();
    expect(entries).toHaveLength(KEYS_PER_TRIAL * TRIALS);
    for (const entry of entries) {
      const stalled = keyIndex(entry.idempotencyKey) % 13 === 0;
      expect(entry, entry.idempotencyKey).toMatchObject(
        stalled ? { state: 'failed', retryAt: null } : { state: 'succeeded', error: null },
      );
    }
    store.close();
  });
});
