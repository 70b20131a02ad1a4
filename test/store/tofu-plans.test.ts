import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CodemonkeysError } from '../../src/errors.js';
import { LATEST_VERSION } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite.js';
import {
  openTofuPlanStore,
  TOFU_PLAN_CHUNK_BYTES,
  TOFU_PLANS_KEPT,
  type TofuPlanStore,
} from '../../src/store/tofu-plans.js';
import { tempDir } from '../helpers/git.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function scratch(): { dir: string; path: string; plans: TofuPlanStore } {
  const temp = tempDir('cm-tofu-plans-');
  const path = join(temp.dir, 'state.db');
  const plans = openTofuPlanStore(path);
  cleanups.push(temp.cleanup, () => plans.close());
  return { dir: temp.dir, path, plans };
}

function planFile(dir: string, name: string, bytes: Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

const summary = {
  add: 1,
  change: 0,
  destroy: 0,
  resources: [{ address: 'terraform_data.a', action: 'create' }],
};

describe('the saved tofu plan store', () => {
  it('writes a plan larger than one chunk back byte for byte, with its digest and summary', () => {
    const { dir, plans } = scratch();
    const bytes = randomBytes(Math.floor(TOFU_PLAN_CHUNK_BYTES * 2.5));
    const saved = plans.save({
      product: 'acme/site',
      file: planFile(dir, 'big.tfplan', bytes),
      fingerprint: 'sha256:f',
      summary,
      createdAt: new Date('2026-01-02T03:04:05Z'),
    });
    expect(saved).toMatchObject({
      product: 'acme/site',
      size: bytes.length,
      createdAt: '2026-01-02T03:04:05.000Z',
      fingerprint: 'sha256:f',
      summary,
    });
    expect(saved.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const back = join(dir, 'back.tfplan');
    plans.restore(saved.id, back);
    expect(readFileSync(back).equals(bytes)).toBe(true);
  });

  it('stores an empty file, and a file of exactly one chunk', () => {
    const { dir, plans } = scratch();
    for (const size of [0, TOFU_PLAN_CHUNK_BYTES]) {
      const bytes = randomBytes(size);
      const saved = plans.save({
        product: 'acme/site',
        file: planFile(dir, `p${size}`, bytes),
        fingerprint: 'f',
        summary,
        createdAt: new Date(),
      });
      plans.restore(saved.id, join(dir, `back${size}`));
      expect(readFileSync(join(dir, `back${size}`)).equals(bytes)).toBe(true);
    }
  });

  it('refuses to write back a plan whose stored bytes were altered', () => {
    const { dir, path, plans } = scratch();
    const saved = plans.save({
      product: 'acme/site',
      file: planFile(dir, 'p', Buffer.from('plan bytes')),
      fingerprint: 'f',
      summary,
      createdAt: new Date(),
    });
    const raw = new Database(path);
    raw.prepare("UPDATE tofu_plan_chunks SET data = X'00' WHERE plan_id = ?").run(saved.id);
    raw.close();
    expect(() => plans.restore(saved.id, join(dir, 'back'))).toThrow(
      expect.objectContaining({ reason: 'TofuPlanCorrupt', next: 'stalled' }),
    );
  });

  it('says a plan it does not have is missing', () => {
    const { dir, plans } = scratch();
    let thrown: unknown;
    try {
      plans.restore('no-such-plan', join(dir, 'x'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CodemonkeysError);
    expect(thrown).toMatchObject({ reason: 'TofuPlanMissing', next: 'stalled' });
  });

  it(`keeps the ${TOFU_PLANS_KEPT} plans of a product saved last, whatever their clock said, and other products' plans`, () => {
    const { dir, path, plans } = scratch();
    const file = planFile(dir, 'p', Buffer.from('x'));
    const other = plans.save({
      product: 'acme/other',
      file,
      fingerprint: 'f',
      summary,
      createdAt: new Date(0),
    });
    const ids: string[] = [];
    for (let index = 0; index < TOFU_PLANS_KEPT + 2; index += 1) {
      // The clock steps back on each save: the last plan saved is still the newest, and kept.
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 59 - index));
      ids.push(
        plans.save({ product: 'acme/site', file, fingerprint: `f${index}`, summary, createdAt: at }).id,
      );
    }
    expect(plans.get(ids[0] ?? '')).toBeUndefined();
    expect(plans.get(ids[1] ?? '')).toBeUndefined();
    expect(plans.get(ids[2] ?? '')).toBeDefined();
    expect(plans.latest('acme/site')?.id).toBe(ids.at(-1));
    expect(plans.get(other.id)).toBeDefined();
    const raw = new Database(path, { readonly: true });
    const chunks = raw.prepare('SELECT COUNT(*) AS n FROM tofu_plan_chunks').get() as { n: number };
    raw.close();
    expect(chunks.n).toBe(TOFU_PLANS_KEPT + 1);
  });

  it('works on the same state file as the state store, which it migrates', () => {
    const { path } = scratch();
    const store = openStore(path);
    cleanups.push(() => store.close());
    const raw = new Database(path, { readonly: true });
    const version = raw.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number };
    raw.close();
    expect(version.v).toBe(LATEST_VERSION);
  });
});
