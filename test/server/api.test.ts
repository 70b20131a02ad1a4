import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatedAction, Verdict } from '../../src/actions/action.js';
import type { Plan } from '../../src/engine/plan-model.js';
import type { FleetRun, ReconcileResult } from '../../src/engine/reconcile.js';
import { createLogger } from '../../src/log/logger.js';
import {
  API_BODY_LIMIT,
  type ApiState,
  approvalRefusal,
  type ProductView,
  registerApi,
} from '../../src/server/api/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { TEST_START } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { reconcileRepo } from '../helpers/reconcile-repo.js';
import { until } from '../helpers/until.js';

const TOKEN = 'api-token-Zq81mXv04LpR';
const CONSTITUTION = `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: rules }
spec:
  rules:
    - id: ask-bob
      match: { products: [acme/gated, acme/later] }
      effect: require-approval
      approvers: [bob]
      message: 'a <b>"careful"</b> look'
`;
const WITH_TOKEN = '  watch:\n    api:\n      token: { env: TEST_API_TOKEN }\n';

let repo: FleetRepo;
let run: FleetRun;
let done: Promise<ReconcileResult>;
let app: FastifyInstance;
let fleetYaml: string;
const stop = new AbortController();
const state: ApiState = {};

beforeAll(async () => {
  await ensureBuilt();
  repo = await createFleetRepo(
    [
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'gated' },
      { org: 'acme', name: 'later' },
    ],
    CONSTITUTION,
  );
  fleetYaml = join(repo.fleetDir, 'fleet.yaml');
  writeFileSync(fleetYaml, `${readFileSync(fleetYaml, 'utf8')}${WITH_TOKEN}`);
  await repo.commitFleet('api token');
  const started = new Promise<FleetRun>((resolve) => {
    done = reconcileRepo(repo, {
      env: { ...process.env, TEST_API_TOKEN: TOKEN },
      maxPasses: Number.POSITIVE_INFINITY,
      signal: stop.signal,
      watch: { onStarted: resolve },
    });
  });
  run = await started;
  state.run = run;
  app = Fastify({ logger: false });
  registerApi(app, state, {
    env: { ...process.env, TEST_API_TOKEN: TOKEN },
    logger: createLogger({ level: 'silent' }),
  });
  await until('lib built and the gated products awaiting approval', () =>
    run.results.get('acme/lib')?.ready && awaiting('acme/gated') && awaiting('acme/later') ? true : undefined,
  );
}, 120_000);

afterAll(async () => {
  stop.abort();
  await done;
  await app?.close();
  repo?.cleanup();
});

function awaiting(product: string): GatedAction | undefined {
  return run.results
    .get(product)
    ?.actions.find((action) => action.blockedBy.some((blocker) => blocker.type === 'awaiting-approval'));
}

async function products(): Promise<Map<string, ProductView>> {
  const response = await app.inject({ method: 'GET', url: '/api/products' });
  expect(response.statusCode).toBe(200);
  const body = response.json() as { products: ProductView[] };
  return new Map(body.products.map((product) => [product.id, product]));
}

/** POSTs an approval, with the right token unless told another `Authorization` (null: none). */
const approve = (body: unknown, authorization: string | null = `Bearer ${TOKEN}`) =>
  app.inject({
    method: 'POST',
    url: '/api/approvals',
    headers: authorization === null ? {} : { authorization },
    payload: body as Record<string, unknown>,
  });

describe('GET /api/products', () => {
  it('shows each product with its org, conditions, last reconcile, blocked actions with their approvers, and its build history newest first', async () => {
    const before = await products();
    const gated = before.get('acme/gated');
    expect(gated).toMatchObject({
      org: 'acme',
      conditions: expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'False' })]),
      blocked: [
        {
          kind: 'build.trigger',
          approvers: ['bob'],
          why: [expect.stringMatching(/^awaiting approval by bob \(ask-bob\)$/)],
          messages: ['a <b>"careful"</b> look'],
        },
      ],
      builds: [],
    });
    expect(Date.parse(gated?.lastReconciledAt ?? '')).toBeGreaterThanOrEqual(Date.parse(TEST_START));

    // A second commit of lib is built too: the history holds both builds, the newest first.
    const head = await repo.commitToProduct('acme', 'lib', 'README.md', '# lib, again\n');
    run.enqueue(['acme/lib']);
    const lib = await until('the second build of lib recorded', async () => {
      const found = (await products()).get('acme/lib');
      return found && found.builds.length === 2 && found.blocked.length === 0 ? found : undefined;
    });
    expect(lib.builds[0]).toMatchObject({ commit: head, state: 'succeeded' });
    for (const build of lib.builds) {
      expect(build).toEqual({
        commit: expect.stringMatching(/^[0-9a-f]{40}$/),
        state: 'succeeded',
        durationMs: expect.any(Number),
        finishedAt: expect.any(String),
      });
    }
    const [newest, older] = lib.builds.map((build) => build.finishedAt);
    expect((newest ?? '') >= (older ?? '')).toBe(true);
  }, 60_000);
});

describe('POST /api/approvals', () => {
  it('answers 503 saying to set spec.watch.api.token while the fleet in force has none', async () => {
    const withToken = readFileSync(fleetYaml, 'utf8');
    writeFileSync(fleetYaml, withToken.replace(WITH_TOKEN, ''));
    run.resync();
    await until('the fleet without a token in force', () =>
      run.runtime.fleet.fleet.manifest.spec.watch === undefined ? true : undefined,
    );
    const off = await approve({ target: awaiting('acme/gated')?.id, by: 'bob' });
    expect(off.statusCode).toBe(503);
    expect(off.json().error).toMatch(/set spec\.watch\.api\.token/);
    writeFileSync(fleetYaml, withToken);
    run.resync();
    await until('the token in force again', () =>
      run.runtime.fleet.fleet.manifest.spec.watch?.api ? true : undefined,
    );
  }, 60_000);

  it('answers 401 without the bearer token or with a wrong one, and never echoes a token', async () => {
    const target = awaiting('acme/gated')?.id;
    for (const authorization of [
      null,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      TOKEN,
      'Bearer ',
    ]) {
      const response = await approve({ target, by: 'bob' }, authorization);
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).not.toContain(TOKEN.slice(0, 8));
    }
    expect(run.runtime.store.approvals([target ?? ''])).toEqual([]);
  });

  it('answers 400 for a body that names no approvable id or approver, 413 over 16 KiB', async () => {
    expect((await approve({ target: 'nope', by: 'bob' })).json().error).toMatch(/neither an action id/);
    expect((await approve({ target: awaiting('acme/gated')?.id })).statusCode).toBe(400);
    expect((await approve({ target: awaiting('acme/gated')?.id, by: ' ' })).statusCode).toBe(400);
    const big = await approve({
      target: awaiting('acme/gated')?.id,
      by: 'bob',
      reason: 'x'.repeat(API_BODY_LIMIT),
    });
    expect(big.statusCode).toBe(413);
  });

  it('answers 404 for an action or plan id the daemon does not know', async () => {
    for (const target of ['0'.repeat(16), 'f'.repeat(64)]) {
      const response = await approve({ target, by: 'bob' });
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toContain(target);
    }
  });

  it('answers 403 with the reason when `by` may not approve the action, and records nothing', async () => {
    const action = awaiting('acme/gated') as GatedAction;
    const alice = await approve({ target: action.id, by: 'alice' });
    expect(alice.statusCode).toBe(403);
    expect(alice.json().error).toBe(
      `alice may not approve build.trigger of acme/gated (${action.id}): its approvers are bob`,
    );
    const mallory = await approve({ target: action.id, by: 'mallory' });
    expect(mallory.statusCode).toBe(403);
    expect(mallory.json().error).toMatch(/mallory is not an approver of any rule or org/);
    expect(run.runtime.store.approvals([action.id])).toEqual([]);
  });

  it('answers 409 on a dry-run daemon, whose state is a copy that would lose the approval', async () => {
    const dry = Fastify({ logger: false });
    registerApi(dry, state, {
      env: { ...process.env, TEST_API_TOKEN: TOKEN },
      logger: createLogger({ level: 'silent' }),
      dryRun: true,
    });
    const action = awaiting('acme/gated') as GatedAction;
    const refused = await dry.inject({
      method: 'POST',
      url: '/api/approvals',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { target: action.id, by: 'bob' },
    });
    await dry.close();
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatch(/dry run/);
    expect(run.runtime.store.approvals([action.id])).toEqual([]);
  });

  it('records an approval of an action as `approve` does, audits it, and reconciles the product at once', async () => {
    const action = awaiting('acme/gated') as GatedAction;
    const enqueue = vi.spyOn(run, 'enqueue');
    const response = await approve({ target: action.id, by: 'bob', reason: 'looked at it' });
    expect(response.statusCode).toBe(201);
    const approval = { target: action.id, by: 'bob', reason: 'looked at it', at: expect.any(String) };
    expect(response.json()).toEqual({ approved: 'action', approval, products: ['acme/gated'] });
    expect(enqueue).toHaveBeenCalledWith(['acme/gated']);
    enqueue.mockRestore();
    expect(run.runtime.store.approvals([action.id])).toEqual([approval]);
    expect(run.runtime.store.audit({ limit: 20 })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'approval',
          actor: 'bob',
          data: { target: action.id, reason: 'looked at it' },
        }),
      ]),
    );
    // Built and Ready long before the next resync (spec.reconcile.interval, 5 minutes).
    await until('acme/gated Ready', () => (run.results.get('acme/gated')?.ready ? true : undefined), 30_000);
  }, 60_000);

  it('records an approval of the current plan with the plan, so that its actions run', async () => {
    const planResponse = await app.inject({ method: 'GET', url: '/api/plan' });
    const plan = planResponse.json() as Plan;
    expect(plan.actions.map((action) => action.product)).toEqual(['acme/later']);
    const response = await approve({ target: plan.id, by: 'bob' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ approved: 'plan', products: ['acme/later'] });
    expect((run.runtime.store.plan(plan.id) as Plan).id).toBe(plan.id);
    await until('acme/later Ready', () => (run.results.get('acme/later')?.ready ? true : undefined), 30_000);
  }, 60_000);
});

describe('approvalRefusal', () => {
  const verdict = (effect: Verdict['effect'], enforcement: Verdict['enforcement'] = 'hard'): Verdict => ({
    effect,
    rules: effect === 'allow' ? [] : ['r1'],
    enforcement,
    approvers: effect === 'allow' || effect === 'warn' ? [] : ['bob'],
    messages: [],
    advisories: [],
    excepted: [],
    byDefault: effect === 'allow',
  });
  const action = (v: Verdict): GatedAction => ({
    id: '1234567890abcdef',
    product: 'acme/lib',
    facet: 'build',
    kind: 'build.trigger',
    params: {},
    reason: 'no build',
    dependsOn: [],
    idempotencyKey: 'k',
    changeClass: 'run',
    verdict: v,
    blockedBy: [],
  });
  const cases: [string, Verdict, string, number | undefined][] = [
    ['allow: nothing to approve', verdict('allow'), 'bob', 409],
    ['warn: nothing to approve', verdict('warn'), 'bob', 409],
    ['hard deny: no approval lifts it', verdict('deny', 'hard'), 'bob', 403],
    ['soft deny, by its approver', verdict('deny', 'soft'), 'bob', undefined],
    ['require-approval, by its approver', verdict('require-approval'), 'bob', undefined],
    ['require-approval, by someone else', verdict('require-approval'), 'alice', 403],
  ];
  it.each(cases)('%s', (_name, v, by, status) => {
    const refusal = approvalRefusal(run.runtime.fleet, { kind: 'action', action: action(v) }, by);
    expect(refusal?.status).toBe(status);
  });

  it('a plan: approvable by an approver of one of its actions, 409 when none needs approval', () => {
    const plan = (actions: GatedAction[]) => ({ actions, id: 'p' }) as unknown as Plan;
    const mixed = plan([action(verdict('allow')), action(verdict('require-approval'))]);
    expect(approvalRefusal(run.runtime.fleet, { kind: 'plan', plan: mixed, unsaved: false }, 'bob')).toBe(
      undefined,
    );
    expect(
      approvalRefusal(run.runtime.fleet, { kind: 'plan', plan: mixed, unsaved: false }, 'alice')?.status,
    ).toBe(403);
    const none = plan([action(verdict('allow'))]);
    expect(
      approvalRefusal(run.runtime.fleet, { kind: 'plan', plan: none, unsaved: false }, 'bob')?.status,
    ).toBe(409);
  });
});
