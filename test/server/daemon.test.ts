import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { type DaemonOptions, startDaemon } from '../../src/server/daemon.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI } from '../helpers/cli.js';
import { testClock } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { git } from '../helpers/git.js';
import { reconcileRepo } from '../helpers/reconcile-repo.js';
import { until } from '../helpers/until.js';

const silent = createLogger({ level: 'silent' });
const repos: FleetRepo[] = [];
const stops: AbortController[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
  for (const repo of repos.splice(0)) repo.cleanup();
});

/** A daemon over the repo's fleet on a port of its own choosing, stopped after the test. */
async function start(repo: FleetRepo, options: Partial<DaemonOptions> = {}) {
  const stop = new AbortController();
  stops.push(stop);
  const daemon = await startDaemon({
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: process.env,
    logger: silent,
    clock: testClock(),
    host: '127.0.0.1',
    port: 0,
    signal: stop.signal,
    ...options,
  });
  return { daemon, stop };
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface ApiProduct {
  id: string;
  conditions: { type: string; status: string }[];
}

const readyIds = (body: Record<string, unknown>) =>
  (body.products as ApiProduct[])
    .filter((product) => product.conditions.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((product) => product.id)
    .sort();

describe('codemonkeys watch', () => {
  it('serves health and the API, keeps the last valid fleet when a bad one is saved, and stops on its signal', async () => {
    const repo = await createFleetRepo([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'app' },
    ]);
    repos.push(repo);
    const { daemon, stop } = await start(repo);
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await getJson(`${daemon.url}/healthz`)).status).toBe(200);
    await until('ready', async () =>
      (await getJson(`${daemon.url}/readyz`)).status === 200 ? true : undefined,
    );
    await until('every product Ready', async () => {
      const { body } = await getJson(`${daemon.url}/api/products`);
      return readyIds(body).length === 2 ? true : undefined;
    });
    const valid = (await getJson(`${daemon.url}/readyz`)).body.revision;

    // A product file saved broken in the work tree: reported, not acted on; the valid fleet stays.
    const file = join(repo.fleetDir, 'products/acme/app.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, 'apiVersion: codemonkeys.dev/v1\nkind: Product\n');
    const invalid = await until('the invalid revision reported', async () => {
      const { body } = await getJson(`${daemon.url}/readyz`);
      return body.invalid ? (body.invalid as { inForce: string; message: string }) : undefined;
    });
    expect(invalid.inForce).toBe(valid);
    expect(invalid.message).toMatch(/is invalid/);
    const during = await getJson(`${daemon.url}/api/products`);
    expect(readyIds(during.body)).toEqual(['acme/app', 'acme/lib']);
    // Saved good again: in force again.
    writeFileSync(file, good);
    await until('the fleet valid again', async () => {
      const { body } = await getJson(`${daemon.url}/readyz`);
      return body.invalid === null ? true : undefined;
    });

    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    const done = /^codemonkeys_reconciles_total\{outcome="done"\} (\d+)$/m.exec(metrics)?.[1];
    expect(Number(done)).toBeGreaterThan(0);
    expect(metrics).toMatch(/^codemonkeys_actions_total\{kind="build\.trigger",outcome="succeeded"\} 2$/m);

    const plan = await getJson(`${daemon.url}/api/plan`);
    expect(plan.body).toMatchObject({ summary: { actions: 0 } });
    const audit = await getJson(`${daemon.url}/api/audit?product=acme/lib&limit=5`);
    expect((audit.body.entries as { product: string }[]).every((entry) => entry.product === 'acme/lib')).toBe(
      true,
    );

    stop.abort();
    await daemon.done;
    await expect(fetch(`${daemon.url}/healthz`)).rejects.toThrow();
  }, 120_000);

  it('a signed push starts the build of the pushed head at once; a rejected one reconciles nothing', async () => {
    const repo = await createFleetRepo([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'app' },
    ]);
    repos.push(repo);
    const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
    writeFileSync(
      fleetYaml,
      `${readFileSync(fleetYaml, 'utf8')}  watch:\n    webhooks:\n      secret: { env: TEST_WEBHOOK_SECRET }\n`,
    );
    await repo.commitFleet('webhooks');
    await git(repo.fleetDir, 'remote', 'add', 'origin', 'git@github.com:Acme/Fleet.git');
    const secret = 'whsec-7Hq2mZ0pLx9vR4';
    const { daemon, stop } = await start(repo, { env: { ...process.env, TEST_WEBHOOK_SECRET: secret } });
    await until('every product Ready', async () => {
      const { body } = await getJson(`${daemon.url}/api/products`);
      return body.products && readyIds(body).length === 2 ? true : undefined;
    });
    const reconciles = async () =>
      Number(
        /^codemonkeys_reconciles_total\{outcome="done"\} (\d+)$/m.exec(
          await (await fetch(`${daemon.url}/metrics`)).text(),
        )?.[1],
      );

    const head = await repo.commitToProduct('acme', 'lib', 'README.md', '# lib, pushed\n');
    const bare = join(repo.root, 'repos/acme/lib.git');
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: head,
      repository: { full_name: 'acme/lib', clone_url: bare, html_url: bare },
    });
    const post = (signature: string, delivery: string) =>
      fetch(`${daemon.url}/hooks/github`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          'x-hub-signature-256': signature,
        },
        body,
      });

    // Rejected: a wrong signature is 401 and nothing is reconciled.
    const before = await reconciles();
    const forged = await post(`sha256=${'0'.repeat(64)}`, 'delivery-forged');
    expect(forged.status).toBe(401);
    await sleep(500);
    expect(await reconciles()).toBe(before);
    expect(existsSync(join(repo.fleetDir, '.codemonkeys/ci/builds/acme/lib', head))).toBe(false);

    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const sent = performance.now();
    const accepted = await post(signature, 'delivery-1');
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ result: 'accepted' });
    await until('the pushed head built', async () =>
      existsSync(join(repo.fleetDir, '.codemonkeys/ci/builds/acme/lib', head)) ? true : undefined,
    );
    const latencyMs = performance.now() - sent;
    console.info(`webhook to the build of the pushed head queued: ${Math.round(latencyMs)} ms`);
    // Webhook to first action (the build is queued on the local runner): well under the seconds a poller waits.
    expect(latencyMs).toBeLessThan(5_000);
    // A push to the fleet repo, named as the forge names it (its remote's URL), reloads the fleet.
    const fleetBody = JSON.stringify({
      ref: 'refs/heads/main',
      after: '1'.repeat(40),
      repository: {
        clone_url: 'https://GitHub.com/Acme/Fleet.git',
        html_url: 'https://github.com/Acme/Fleet',
      },
    });
    const fleetPush = await fetch(`${daemon.url}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'delivery-fleet',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(fleetBody).digest('hex')}`,
      },
      body: fleetBody,
    });
    expect(fleetPush.status).toBe(202);
    expect(await fleetPush.json()).toMatchObject({
      result: 'accepted',
      queued: { products: [], fleet: true },
    });

    const again = await post(signature, 'delivery-1');
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ result: 'duplicate' });
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^codemonkeys_webhook_requests_total\{source="github",result="unauthorized"\} 1$/m,
    );
    expect(metrics).not.toContain(secret);
    stop.abort();
    await daemon.done;
  }, 120_000);

  it('--dry-run plans on every event and acts never: no build, not a byte of the state file written', async () => {
    const repo = await createFleetRepo([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'app' },
    ]);
    repos.push(repo);
    // A state that exists (one product built), read by the dry run, never written.
    await reconcileRepo(repo, { product: 'acme/lib' });
    const stateFile = join(repo.fleetDir, '.codemonkeys/state.db');
    const before = readFileSync(stateFile);
    const { daemon, stop } = await start(repo, { dryRun: true });
    const plan = await until('a plan of both products', async () => {
      const { status, body } = await getJson(`${daemon.url}/api/plan`);
      return status === 200 && (body.products as unknown[]).length === 2 ? body : undefined;
    });
    const actions = plan.actions as { product: string; kind: string }[];
    expect(actions.map((action) => `${action.kind} ${action.product}`)).toEqual(['build.trigger acme/app']);
    await sleep(500);
    expect(existsSync(join(repo.fleetDir, '.codemonkeys/ci/builds/acme/app'))).toBe(false);
    stop.abort();
    await daemon.done;
    expect(readFileSync(stateFile).equals(before)).toBe(true);
  }, 120_000);

  it('resyncs every product on the cron schedule of spec.watch.resync, without any event', async () => {
    const repo = await createFleetRepo([
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'app' },
    ]);
    repos.push(repo);
    const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
    // Every second (six fields, seconds first): the products' own interval is 5 minutes.
    writeFileSync(fleetYaml, `${readFileSync(fleetYaml, 'utf8')}  watch:\n    resync: "* * * * * *"\n`);
    await repo.commitFleet('resync every second');
    const { daemon, stop } = await start(repo);
    const done = async () =>
      Number(
        /^codemonkeys_reconciles_total\{outcome="done"\} (\d+)$/m.exec(
          await (await fetch(`${daemon.url}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    await until('every product Ready', async () => {
      const { body } = await getJson(`${daemon.url}/api/products`);
      return body.products && readyIds(body).length === 2 ? true : undefined;
    });
    const before = await done();
    await until(
      'two scheduled resyncs of both products',
      async () => ((await done()) >= before + 4 ? true : undefined),
      10_000,
    );
    stop.abort();
    await daemon.done;
  }, 120_000);

  it('as a command: prints where it listens, and exits 0 on SIGTERM', async () => {
    const repo = await createFleetRepo([{ org: 'acme', name: 'lib' }]);
    repos.push(repo);
    const child = execa('node', [CLI, '--fleet', repo.fleetDir, 'watch', '--listen', '127.0.0.1:0'], {
      cwd: repo.root,
      reject: false,
      stdin: 'ignore',
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const url = await until('the listening line', async () => /listening on (http:\S+)/.exec(out)?.[1]);
    await until('ready', async () => ((await getJson(`${url}/readyz`)).status === 200 ? true : undefined));
    child.kill('SIGTERM');
    const ended = await child;
    expect(ended.exitCode).toBe(0);
  }, 120_000);
});
