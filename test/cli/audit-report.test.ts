import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { findStatePath, formatAuditLine, runAudit, summarizeAuditData } from '../../src/cli/audit-report.js';
import { openStore } from '../../src/store/sqlite.js';
import { TEST_NOW } from '../helpers/clock.js';
import { BASE_FLEET } from '../helpers/fleet-fixtures.js';
import { tempDir } from '../helpers/git.js';

const temps: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of temps) cleanup();
});
function temp(): string {
  const { dir, cleanup } = tempDir('cm-audit-');
  temps.push(cleanup);
  return dir;
}

function capture(): {
  io: { stdout: PassThrough; stderr: PassThrough };
  out: () => string;
  err: () => string;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** A state file with three audit entries of two products. */
function stateWithEntries(): string {
  const path = join(temp(), '.codemonkeys', 'state.db');
  const store = openStore(path);
  const now = new Date('2030-01-01T12:00:00.000Z');
  store.appendAudit({ type: 'note', product: 'acme/widget', actor: 'alice', data: { text: 'hello' } }, now);
  store.addApproval({ target: 'plan-1', by: 'bob', reason: 'fine', at: now.toISOString() });
  store.appendAudit({ type: 'note', product: 'globex/portal', actor: 'carol', data: { text: 'bye' } }, now);
  store.close();
  return path;
}

describe('findStatePath', () => {
  it("reads spec.state.sqlite of the fleet, relative to the fleet's folder", async () => {
    const dir = temp();
    cpSync(BASE_FLEET, dir, { recursive: true });
    const fleetYaml = join(dir, 'fleet.yaml');
    writeFileSync(
      fleetYaml,
      readFileSync(fleetYaml, 'utf8').replace('.codemonkeys/state.db', 'var/cm.sqlite'),
    );
    expect(await findStatePath('.', dir, {}, TEST_NOW)).toBe(join(dir, 'var', 'cm.sqlite'));
  });

  it('falls back to the default when the fleet does not load', async () => {
    const dir = temp();
    expect(await findStatePath('fleet', dir, {}, TEST_NOW)).toBe(
      join(dir, 'fleet', '.codemonkeys', 'state.db'),
    );
  });

  it('prefers $CODEMONKEYS_STATE', async () => {
    expect(await findStatePath('.', temp(), { CODEMONKEYS_STATE: '/srv/state.db' }, TEST_NOW)).toBe(
      '/srv/state.db',
    );
  });
});

describe('runAudit', () => {
  it('says there is no state yet, exit 1, and creates nothing', () => {
    const path = join(temp(), '.codemonkeys', 'state.db');
    const { io, out, err } = capture();
    expect(runAudit(path, { format: 'text' }, io)).toBe(1);
    expect(err()).toBe(`no state yet at ${path}: run codemonkeys reconcile first\n`);
    expect(out()).toBe('');
  });

  it('lists one line per entry, filtered by product and limited to the newest', () => {
    const path = stateWithEntries();
    const all = capture();
    expect(runAudit(path, { format: 'text' }, all.io)).toBe(0);
    const lines = all.out().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^#1 {2}2030-01-01T12:00:00.000Z {2}note +acme\/widget +alice {2}text=hello$/);
    expect(lines[1]).toMatch(/^#2 .* approval .* - .* bob {2}reason=fine target=plan-1$/);
    const filtered = capture();
    runAudit(path, { format: 'text', product: 'globex/portal' }, filtered.io);
    expect(filtered.out()).toMatch(/^#3 .*carol/);
    const limited = capture();
    runAudit(path, { format: 'json', limit: 2 }, limited.io);
    expect((JSON.parse(limited.out()) as { seq: number }[]).map((entry) => entry.seq)).toEqual([2, 3]);
  });

  it('verifies an intact chain with exit 0', () => {
    const { io, out } = capture();
    expect(runAudit(stateWithEntries(), { format: 'text', verify: true }, io)).toBe(0);
    expect(out()).toBe('audit chain intact: 3 entries\n');
  });

  it('names the first broken entry with exit 1, in text and JSON', () => {
    const path = stateWithEntries();
    const raw = new Database(path);
    raw.exec(`DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 2`);
    raw.close();
    const text = capture();
    expect(runAudit(path, { format: 'text', verify: true }, text.io)).toBe(1);
    expect(text.out()).toMatch(/^audit chain broken at entry #2: its content does not match its hash/);
    const json = capture();
    expect(runAudit(path, { format: 'json', verify: true }, json.io)).toBe(1);
    expect(JSON.parse(json.out())).toMatchObject({ ok: false, entries: 1, brokenAt: 2 });
  });
});

describe('formatting', () => {
  it.each([
    [null, ''],
    ['plain', '"plain"'],
    [{ kind: 'build.trigger', attempt: 2, skipped: null }, 'kind=build.trigger attempt=2'],
    [{ error: { message: 'boom', reason: 'X' }, retryAt: 'later' }, 'error="boom" retryAt=later'],
    [{ result: { deep: true } }, 'result=…'],
  ])('summarizes %j as %j', (data, summary) => {
    expect(summarizeAuditData(data)).toBe(summary);
  });

  it('cuts a long summary', () => {
    const line = formatAuditLine({
      seq: 1,
      at: '2030-01-01T00:00:00.000Z',
      type: 'note',
      product: null,
      actionId: null,
      actor: 'a',
      data: { text: 'x'.repeat(500) },
      prevHash: '',
      hash: '',
    });
    expect(line.length).toBeLessThan(200);
    expect(line.endsWith('…')).toBe(true);
  });
});
