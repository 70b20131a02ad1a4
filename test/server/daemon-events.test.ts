import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_GAP_MS } from '../../src/engine/reconcile.js';
import { openStore } from '../../src/store/sqlite.js';
import { ensureBuilt } from '../helpers/build.js';
import { CLI } from '../helpers/cli.js';
import { createEffectsFleet, type EffectsFleet } from '../helpers/effects-fleet.js';
import { until } from '../helpers/until.js';

const SECRET = 'whsec-flood-3Jq9Lm2x';
const fleets: EffectsFleet[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const fleet of fleets.splice(0)) fleet.cleanup();
});

/** `codemonkeys watch` of the fleet on a port of its own choosing; its URL once it listens. */
async function startWatch(fleet: EffectsFleet) {
  const child = execa('node', [CLI, '--fleet', fleet.fleetDir, 'watch', '--listen', '127.0.0.1:0'], {
    cwd: fleet.root,
    reject: false,
    stdin: 'ignore',
    env: { TEST_WEBHOOK_SECRET: SECRET },
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const url = await until('the listening line', () => /listening on (http:\S+)/.exec(out)?.[1], 60_000);
  return { child, url };
}

async function enableWebhooks(fleet: EffectsFleet): Promise<void> {
  const fleetYaml = join(fleet.fleetDir, 'fleet.yaml');
  writeFileSync(
    fleetYaml,
    `${readFileSync(fleetYaml, 'utf8')}  watch:\n    webhooks:\n      secret: { env: TEST_WEBHOOK_SECRET }\n`,
  );
  await fleet.commitFleet('webhooks');
}

const metric = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text)?.[1]);

describe('codemonkeys watch under events', () => {
  it('coalesces a flood of a thousand pushes for one product into a reconcile or two, with bounded memory', async () => {
    const fleet = await createEffectsFleet({ build: true }, 0);
    fleets.push(fleet);
    await enableWebhooks(fleet);
    const { child, url } = await startWatch(fleet);
    try {
      await until('the first build', () => fleet.count('builds').length === 1, 60_000);
      await until('idle', async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return metric(text, 'codemonkeys_reconciles_total\\{outcome="done"\\}') >= 1 ? true : undefined;
      });
      const before = await (await fetch(`${url}/metrics`)).text();
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        after: '0'.repeat(40),
        repository: { clone_url: join(fleet.root, 'repos/acme/app.git') },
      });
      const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      const burst = performance.now();
      const sent = await Promise.all(
        Array.from({ length: 1000 }, (_, index) =>
          fetch(`${url}/hooks/github`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'push',
              'x-github-delivery': `flood-${index}`,
              'x-hub-signature-256': signature,
            },
            body,
          }),
        ),
      );
      const burstMs = performance.now() - burst;
      expect(new Set(sent.map((response) => response.status))).toEqual(new Set([202]));
      // Every event is answered; what they queued is taken up within EVENT_GAP_MS.
      await sleep(EVENT_GAP_MS + 1_000);
      const after = await (await fetch(`${url}/metrics`)).text();
      const reconciles = (text: string) =>
        ['done', 'requeue', 'error'].reduce(
          (sum, outcome) =>
            sum + (metric(text, `codemonkeys_reconciles_total\\{outcome="${outcome}"\\}`) || 0),
          0,
        );
      expect(metric(after, 'codemonkeys_webhook_requests_total\\{source="github",result="accepted"\\}')).toBe(
        1000,
      );
      // The first push is acted on at once; the others share one reconcile per EVENT_GAP_MS of the burst.
      const count = reconciles(after) - reconciles(before);
      console.info(`1000 pushes in ${Math.round(burstMs)} ms: ${count} reconciles`);
      expect(count).toBeLessThanOrEqual(2 + Math.ceil(burstMs / EVENT_GAP_MS));
      // Memory stays bounded: the daemon's heap did not grow by the flood (a thousand bodies, ids, promises).
      const grown =
        metric(after, 'nodejs_heap_size_used_bytes') - metric(before, 'nodejs_heap_size_used_bytes');
      expect(grown).toBeLessThan(32 * 1024 * 1024);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  }, 180_000);

  it('tells a notify endpoint, signed, when a product becomes Stalled: once, not on every look', async () => {
    const received: { event: string | undefined; signature: string | undefined; body: string }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push({
          event: request.headers['x-codemonkeys-event'] as string | undefined,
          signature: request.headers['x-hub-signature-256'] as string | undefined,
          body,
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const fleet = await createEffectsFleet({ build: true }, 0);
      fleets.push(fleet);
      const product = join(fleet.fleetDir, 'products/acme/app.yaml');
      writeFileSync(
        product,
        readFileSync(product, 'utf8').replace('"git rev-parse HEAD', '"exit 3; git rev-parse HEAD'),
      );
      const fleetYaml = join(fleet.fleetDir, 'fleet.yaml');
      writeFileSync(
        fleetYaml,
        `${readFileSync(fleetYaml, 'utf8')}  watch:\n    notify:\n      - { url: "http://127.0.0.1:${port}/hook", secret: { env: TEST_NOTIFY_SECRET } }\n`,
      );
      await fleet.commitFleet('a failing build, and a notify endpoint');
      const child = execa('node', [CLI, '--fleet', fleet.fleetDir, 'watch', '--listen', '127.0.0.1:0'], {
        cwd: fleet.root,
        reject: false,
        stdin: 'ignore',
        env: { TEST_NOTIFY_SECRET: 'notify-secret-Zp41' },
      });
      try {
        const stalled = await until(
          'the stalled event',
          () => received.find((each) => each.event === 'stalled'),
          60_000,
        );
        expect(stalled.signature).toBe(
          `sha256=${createHmac('sha256', 'notify-secret-Zp41').update(stalled.body).digest('hex')}`,
        );
        expect(JSON.parse(stalled.body)).toMatchObject({ type: 'stalled', product: 'acme/app' });
        expect(stalled.body).not.toContain('notify-secret-Zp41');
        // Looked at again while it stays Stalled: not announced again.
        await sleep(2_500);
        expect(received.filter((each) => each.event === 'stalled')).toHaveLength(1);
      } finally {
        child.kill('SIGTERM');
        await child;
      }
    } finally {
      receiver.close();
    }
  }, 180_000);

  it('SIGTERM while a deploy runs: the playbook finishes and is recorded, then the daemon exits 0', async () => {
    const fleet = await createEffectsFleet({ deploy: true }, 2);
    fleets.push(fleet);
    await fleet.release('1.0.0');
    const { child } = await startWatch(fleet);
    await until('the playbook to start its real run', () => fleet.count('deploys').length === 1, 60_000);
    child.kill('SIGTERM');
    const ended = await child;
    expect(ended.exitCode).toBe(0);
    expect(readFileSync(join(fleet.root, 'www/version'), 'utf8')).toBe('1.0.0\n');
    const store = openStore(join(fleet.fleetDir, '.codemonkeys/state.db'), { readonly: true });
    try {
      const deploys = store
        .audit({ limit: 1000 })
        .filter((entry) => (entry.data as { kind?: string }).kind === 'deploy.apply')
        .map((entry) => entry.type);
      expect(deploys).toEqual(['action.intent', 'action.succeeded']);
    } finally {
      store.close();
    }
    expect(fleet.count('deploys')).toEqual(['1.0.0']);
  }, 180_000);
});
