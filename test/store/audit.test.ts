import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactor } from '../../src/log/redact.js';
import { auditHash, GENESIS_HASH } from '../../src/store/audit.js';
import type { SqliteStore } from '../../src/store/sqlite.js';
import { action, at, cleanUpStoresAfterEach, reopen, run, tempStore } from './store-fixtures.js';

cleanUpStoresAfterEach();

/** A store with `count` audit entries, closed so that a raw connection can tamper with the file. */
function auditedFile(count: number): string {
  const { store, path } = tempStore();
  for (let seq = 1; seq <= count; seq += 1) {
    store.appendAudit(
      { type: 'note', product: 'acme/widget', actor: 'tester', data: { seq, text: `entry ${seq}` } },
      at(seq),
    );
  }
  store.close();
  return path;
}

/** Runs SQL on the file through a plain connection with the append-only triggers removed. */
function tamper(path: string, ...statements: string[]): void {
  const raw = new Database(path);
  raw.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  for (const sql of statements) raw.exec(sql);
  raw.close();
}

function verify(path: string): ReturnType<SqliteStore['verifyAudit']> {
  return reopen(path).verifyAudit();
}

describe('the audit chain', () => {
  it('links every entry to the one before, from the genesis hash', () => {
    const { store } = tempStore();
    const first = store.appendAudit({ type: 'note', actor: 'alice', data: { b: 1, a: [1, 2] } }, at(0));
    const second = store.appendAudit({ type: 'note', actor: 'bob', data: { when: at(5) } }, at(1));
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, product: null, actionId: null });
    expect(second.prevHash).toBe(first.hash);
    expect(first.hash).toBe(auditHash(GENESIS_HASH, first));
    expect(second.data).toEqual({ when: at(5).toISOString() });
    expect(store.audit()).toEqual([first, second]);
    expect(store.verifyAudit()).toEqual({ ok: true, entries: 2 });
  });

  it('verifies an empty log', () => {
    expect(tempStore().store.verifyAudit()).toEqual({ ok: true, entries: 0 });
  });

  it('stays one chain when two connections append in turns', () => {
    const { store, path } = tempStore();
    const other = reopen(path);
    for (let index = 0; index < 20; index += 1) {
      (index % 2 === 0 ? store : other).appendAudit(
        { type: 'note', actor: 'tester', data: { index } },
        at(index),
      );
    }
    expect(store.verifyAudit()).toEqual({ ok: true, entries: 20 });
    expect(other.audit().map((entry) => entry.seq)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
  });

  it('lists by product, tails with a limit and pages forward after a seq', () => {
    const { store } = tempStore();
    for (let index = 1; index <= 6; index += 1) {
      store.appendAudit(
        { type: 'note', product: index % 2 ? 'acme/widget' : 'globex/portal', actor: 't', data: {} },
        at(index),
      );
    }
    const seqs = (entries: { seq: number }[]) => entries.map((entry) => entry.seq);
    expect(seqs(store.audit({ product: 'globex/portal' }))).toEqual([2, 4, 6]);
    expect(seqs(store.audit({ limit: 2 }))).toEqual([5, 6]);
    expect(seqs(store.audit({ afterSeq: 2, limit: 2 }))).toEqual([3, 4]);
    expect(seqs(store.audit({ product: 'acme/widget', limit: 1 }))).toEqual([5]);
  });
});

describe('verifyAudit finds tampering', () => {
  it.each([
    [
      'changed data',
      3,
      `UPDATE audit SET data = '{"seq":3,"text":"edited"}' WHERE seq = 3`,
      /content does not match its hash/,
    ],
    ['a changed actor', 5, `UPDATE audit SET actor = 'mallory' WHERE seq = 5`, /content does not match/],
    ['a deleted entry', 3, 'DELETE FROM audit WHERE seq = 3', /entry #3 is missing: #4 follows #2/],
    [
      'an edited previous hash',
      4,
      `UPDATE audit SET prev_hash = '${'f'.repeat(64)}' WHERE seq = 4`,
      /previous hash is not the hash of entry #3/,
    ],
    [
      'a re-linked first entry',
      1,
      `UPDATE audit SET prev_hash = '${'1'.repeat(64)}' WHERE seq = 1`,
      /genesis/,
    ],
    [
      'two entries swapped',
      2,
      `UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -2`,
      /previous hash/,
    ],
  ])('%s, at its seq', (_label, brokenAt, sql, problem) => {
    const path = auditedFile(6);
    tamper(path, sql);
    const verification = verify(path);
    expect(verification).toMatchObject({ ok: false, brokenAt, entries: brokenAt - 1 });
    expect(verification.problem).toMatch(problem);
  });

  it('an edited entry whose own hash was recomputed, at the next entry', () => {
    const path = auditedFile(5);
    const raw = new Database(path, { readonly: true });
    const row = raw
      .prepare<[], { at: string; prev_hash: string }>('SELECT at, prev_hash FROM audit WHERE seq = 2')
      .get();
    raw.close();
    if (!row) throw new Error('no entry #2');
    const data = { seq: 2, text: 'forged' };
    const fields = {
      seq: 2,
      at: row.at,
      type: 'note',
      product: 'acme/widget',
      actionId: null,
      actor: 'tester',
      data,
    };
    const forgedHash = auditHash(row.prev_hash, fields);
    tamper(path, `UPDATE audit SET data = '${JSON.stringify(data)}', hash = '${forgedHash}' WHERE seq = 2`);
    expect(verify(path)).toMatchObject({ ok: false, brokenAt: 3 });
  });
});

describe('the append-only triggers', () => {
  it.each([
    ['UPDATE', `UPDATE audit SET actor = 'mallory' WHERE seq = 1`, /cannot be changed/],
    ['DELETE', 'DELETE FROM audit WHERE seq = 1', /cannot be deleted/],
  ])('refuse %s of an audit entry', (_verb, sql, message) => {
    const path = auditedFile(2);
    const raw = new Database(path);
    expect(() => raw.exec(sql)).toThrow(message);
    raw.close();
    expect(verify(path)).toEqual({ ok: true, entries: 2 });
  });
});

describe('secrets', () => {
  it('never reach audit data, journal results or journal errors, in the rows or in the file', () => {
    const secret = 'hunter2-s3cr3t-value-for-audit';
    redactor.register(secret);
    const { store, path } = tempStore();
    store.appendAudit(
      { type: 'note', actor: 'tester', data: { note: `used ${secret}`, token: 'abc-plain' } },
      at(0),
    );
    store.beginAction(action('ok'), run(1));
    store.finishAction('ok', { state: 'succeeded', result: { url: `https://x/?t=${secret}` } }, at(2));
    store.beginAction(action('bad'), run(3));
    const error = { message: `401 with ${secret}`, reason: 'Unauthorized', next: 'stalled' } as const;
    store.finishAction('bad', { state: 'failed', error, retryAt: null }, at(4));

    expect(store.audit()[0]?.data).toEqual({ note: `used ${REDACTED}`, token: REDACTED });
    expect(store.journalEntry('ok')?.result).toEqual({ url: `https://x/?t=${REDACTED}` });
    expect(store.journalEntry('bad')?.error?.message).toBe(`401 with ${REDACTED}`);
    expect(store.verifyAudit().ok).toBe(true);
    store.close();
    expect(readFileSync(path).includes(secret)).toBe(false);
  });
});
