import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a registry just started gets to answer. */
const READY_WITHIN_MS = 60_000;

/**
 * Waits for the npm registry the quickstart started (Verdaccio) to answer, then signs a fresh
 * user up with a random password and returns the registry's token for it: what
 * `ACME_NPM_TOKEN` holds while the quickstart reconciles.
 */
export async function registryToken(url: string, now: () => number = Date.now): Promise<string> {
  const base = url.replace(/\/+$/, '');
  const deadline = now() + READY_WITHIN_MS;
  for (;;) {
    const ping = await fetch(`${base}/-/ping`).catch(() => undefined);
    if (ping?.ok) break;
    if (now() > deadline) throw new Error(`the npm registry at ${base} did not answer within a minute`);
    await sleep(250);
  }
  const name = `quickstart-${randomBytes(4).toString('hex')}`;
  const response = await fetch(`${base}/-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: randomBytes(18).toString('base64url'), type: 'user', roles: [] }),
  });
  const body = (await response.json().catch(() => ({}))) as { token?: unknown; error?: unknown };
  if (!response.ok || typeof body.token !== 'string') {
    throw new Error(
      `the npm registry at ${base} refused a new user: HTTP ${response.status} ${String(body.error ?? '')}`,
    );
  }
  return body.token;
}

if (process.argv[1]?.endsWith('registry-login.js')) {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write('usage: registry-login.js <registry url>\n');
    process.exit(2);
  }
  registryToken(url).then(
    (token) => process.stdout.write(`${token}\n`),
    (error: Error) => {
      process.stderr.write(`quickstart: ${error.message}\n`);
      process.exit(1);
    },
  );
}
