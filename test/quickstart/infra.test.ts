import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/engine/reconcile.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore } from '../../src/store/sqlite.js';
import { clockFrom, SATURDAY_NOON_BERLIN } from '../helpers/clock.js';
import { useQuickstartCopy } from './fixture.js';

const logger = createLogger({ level: 'silent' });
const paths = useQuickstartCopy('infra');

function run(product: string) {
  return reconcile({
    fleet: paths.fleet,
    cwd: paths.fleet,
    env: { ...process.env, CODEMONKEYS_CACHE_DIR: paths.cache },
    logger,
    dryRun: false,
    once: false,
    product,
    maxPasses: 20,
    backoff: () => 200,
    // A Saturday: the quickstart converges the same at weekends (its time windows govern critical products).
    clock: clockFrom(SATURDAY_NOON_BERLIN),
  });
}

function infraStatus(result: Awaited<ReturnType<typeof run>>, product: string) {
  return result.plan.products.find((each) => each.product === product)?.facets.infra;
}

describe('the quickstart infrastructure', () => {
  it("creates acme/widget's landing page with tofu/modules/static-site, unasked (drift: auto), at a weekend", async () => {
    const result = await run('acme/widget');
    expect(result.executed).toContainEqual(
      expect.objectContaining({ kind: 'infra.apply', product: 'acme/widget', outcome: 'succeeded' }),
    );
    expect(infraStatus(result, 'acme/widget')).toMatchObject({ state: 'ready', reason: 'InSync' });
    const page = join(
      paths.fleet,
      '.codemonkeys',
      'tofu',
      'workspaces',
      'acme',
      'widget',
      'site',
      'index.html',
    );
    expect(readFileSync(page, 'utf8')).toContain('<p>Status badges for every build.</p>');
  }, 60_000);

  it("holds globex/ledger's storage, from the module in its own repo, for carol (drift: propose)", async () => {
    const held = await run('globex/ledger');
    const action = held.plan.actions.find((each) => each.kind === 'infra.apply');
    expect(action).toMatchObject({
      changes: { add: 2, change: 0, destroy: 0 },
      verdict: { effect: 'require-approval', rules: ['spec:infra.drift'], approvers: ['carol'] },
    });
    const state = join(
      paths.fleet,
      '.codemonkeys',
      'tofu',
      'workspaces',
      'globex',
      'ledger',
      'terraform.tfstate',
    );
    expect(existsSync(state)).toBe(false);

    const store = openStore(join(paths.fleet, '.codemonkeys', 'state.db'));
    try {
      store.addApproval({
        target: action?.id ?? '',
        by: 'carol',
        reason: 'test',
        at: new Date().toISOString(),
      });
    } finally {
      store.close();
    }
    const applied = await run('globex/ledger');
    expect(applied.executed).toContainEqual(
      expect.objectContaining({ kind: 'infra.apply', actionId: action?.id, outcome: 'succeeded' }),
    );
    expect(infraStatus(applied, 'globex/ledger')).toMatchObject({ state: 'ready', reason: 'InSync' });
    expect(readFileSync(state, 'utf8')).toContain('ledger-exports');
  }, 60_000);
});
