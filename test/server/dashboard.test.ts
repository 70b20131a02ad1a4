import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { ProductView } from '../../src/server/api/index.js';
import { type Daemon, startDaemon } from '../../src/server/daemon.js';
import { ensureBuilt } from '../helpers/build.js';
import { testClock } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { until } from '../helpers/until.js';

const TOKEN = 'dash-token-Kw93nB27xQe';
const HOSTILE = '<script>document.title = "pwned"</script><img src=x id=injected> "quoted" & more';
const CONSTITUTION = `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: rules }
spec:
  rules:
    - { id: ask-bob, match: { products: [acme/gated] }, effect: require-approval, approvers: [bob] }
    - id: no-hostile
      match: { products: [evil/hostile] }
      effect: deny
      message: '${HOSTILE}'
`;

let repo: FleetRepo;
let daemon: Daemon;
let browser: Browser;
let page: Page;
const stop = new AbortController();
/**
 * Errors the page reported: a CSP violation (`Refused to …`) or a script error shows here; a
 * response's status (the favicon's 404, a refused approval's 401) does not.
 */
const consoleErrors: string[] = [];

async function apiProducts(): Promise<Map<string, ProductView>> {
  const body = (await (await fetch(`${daemon.url}/api/products`)).json()) as { products?: ProductView[] };
  return new Map((body.products ?? []).map((product) => [product.id, product]));
}

const card = (product: string) => page.locator(`article[data-product="${product}"]`);
const badge = (product: string) => card(product).locator('.badge');

beforeAll(async () => {
  await ensureBuilt();
  repo = await createFleetRepo(
    [
      { org: 'acme', name: 'lib' },
      { org: 'acme', name: 'gated' },
      { org: 'evil', name: 'hostile' },
    ],
    CONSTITUTION,
  );
  const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
  writeFileSync(
    fleetYaml,
    `${readFileSync(fleetYaml, 'utf8')}  watch:\n    api:\n      token: { env: TEST_API_TOKEN }\n`,
  );
  await repo.commitFleet('api token');
  daemon = await startDaemon({
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: { ...process.env, TEST_API_TOKEN: TOKEN },
    logger: createLogger({ level: 'silent' }),
    clock: testClock(),
    host: '127.0.0.1',
    port: 0,
    signal: stop.signal,
  });
  await until('lib built, gated awaiting approval, hostile denied', async () => {
    const products = await apiProducts();
    return products.get('acme/lib')?.builds.length === 1 &&
      products.get('acme/gated')?.blocked[0]?.approvers.length === 1 &&
      products.get('evil/hostile')?.blocked.length === 1
      ? true
      : undefined;
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  stop.abort();
  await daemon?.done;
  repo?.cleanup();
});

describe('the dashboard in a real Chromium', () => {
  it('is served with a strict CSP that lets its own inline script and style run, and nothing else', async () => {
    const response = await page.goto(daemon.url);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    await card('acme/lib').waitFor();
    expect(consoleErrors).toEqual([]);
  });

  it('shows every product of the API by org, with its status and why, its last reconcile and a build-duration chart', async () => {
    // The daemon keeps reconciling and the page refreshes every 3 s: page and API agree once the
    // page has shown what the API says now.
    const mismatch = async (): Promise<string | undefined> => {
      for (const [id, product] of await apiProducts()) {
        const org = page.locator(`section[aria-label="org ${product.org}"]`);
        if ((await org.locator('h2').textContent()) !== product.org) return `${id}: org heading`;
        if ((await org.locator(`article[data-product="${id}"]`).count()) !== 1) return `${id}: no card`;
        const last = await card(id).locator('.when').textContent();
        if (last !== `last reconcile: ${product.lastReconciledAt}`) return `${id}: ${last}`;
        const chart = card(id).locator('svg[role="img"]');
        if (!new RegExp(`^Build durations of ${id}: `).test((await chart.getAttribute('aria-label')) ?? ''))
          return `${id}: chart label`;
        if ((await chart.locator('rect.bar').count()) !== product.builds.length) return `${id}: bars`;
      }
      return undefined;
    };
    await until(
      'the page to show what the API says',
      async () => ((await mismatch()) === undefined ? true : undefined),
      30_000,
    );
    await until(
      'acme/lib shown Ready',
      async () => ((await badge('acme/lib').textContent()) === 'Ready' ? true : undefined),
      30_000,
    );
    expect(await card('acme/lib').locator('svg').getAttribute('aria-label')).toMatch(
      /: 1 build, the newest succeeded in \d+\.\d s$/,
    );
    expect(await badge('acme/gated').textContent()).toBe('Stalled');
    expect(await card('acme/gated').locator('.why').textContent()).toMatch(
      /^AwaitingApproval: build\.trigger \([0-9a-f]{16}\) awaits approval by bob$/,
    );
    expect(await card('acme/gated').locator('.approvers').textContent()).toBe('may approve: bob');
    expect(await page.locator('#audit-rows tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#audit-rows tr').count()).toBeLessThanOrEqual(20);
  });

  it('shows a hostile message from the constitution as text, never as markup', async () => {
    const why = await card('evil/hostile').locator('.why').textContent();
    expect(why).toBe(`Denied: build.trigger denied by no-hostile: ${HOSTILE}`);
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.locator('#products script').count()).toBe(0);
    expect(await page.title()).toBe('codemonkeys — fleet health');
    expect(await card('evil/hostile').getByRole('button').count()).toBe(0);
  });

  it('approves with the token typed into the page (refused without it); the product then turns Ready', async () => {
    const approvals = async () =>
      (
        (await (await fetch(`${daemon.url}/api/audit?limit=100`)).json()) as { entries: { type: string }[] }
      ).entries.filter((entry) => entry.type === 'approval').length;
    await card('acme/gated').getByRole('button', { name: 'Approve build.trigger of acme/gated' }).click();
    const dialog = page.locator('dialog#approve');
    await dialog.waitFor();
    await dialog.getByLabel('Approver').fill('bob');

    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    expect(await dialog.locator('#approve-said').textContent()).toBe(
      'enter the API token (spec.watch.api.token)',
    );
    await dialog.getByLabel('API token').fill('not-the-token');
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await until('refused', async () =>
      /^refused \(401\)/.test((await dialog.locator('#approve-said').textContent()) ?? '') ? true : undefined,
    );
    expect(await approvals()).toBe(0);

    await dialog.getByLabel('API token').fill(TOKEN);
    await dialog.getByLabel('Reason (optional)').fill('looked at it in the dashboard');
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await until('approved', async () =>
      (await page.locator('#notice').textContent()) === 'approved build.trigger of acme/gated as bob'
        ? true
        : undefined,
    );
    expect(await dialog.isVisible()).toBe(false);
    expect(await approvals()).toBe(1);
    // The token stays in the page's memory only.
    expect(page.url()).not.toContain(TOKEN);
    expect(
      await page.evaluate('JSON.stringify([localStorage, sessionStorage, document.cookie])'),
    ).not.toContain(TOKEN);
    expect(await page.content()).not.toContain(TOKEN);

    await until('acme/gated Ready on the page', async () =>
      (await badge('acme/gated').textContent()) === 'Ready' ? true : undefined,
    );
    expect(await card('acme/gated').locator('svg rect.bar').count()).toBe(1);
    expect(await page.locator('#audit-rows').textContent()).toContain('looked at it in the dashboard');
    const screenshot = await page.screenshot({ fullPage: true });
    expect(screenshot.subarray(1, 4).toString()).toBe('PNG');
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
