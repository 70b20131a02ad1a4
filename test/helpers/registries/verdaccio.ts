import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { probe, startServerProcess } from './server-process.js';

/** A Verdaccio npm registry on 127.0.0.1 with one user, whose token publishes. */
export interface Verdaccio {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string;
  /** The user's token, as npm sends it: `//127.0.0.1:<port>/:_authToken=<token>`. */
  token: string;
  username: string;
  /** Kills the registry and removes its folder (storage, htpasswd, config). */
  stop(): Promise<void>;
}

const USERNAME = 'publisher';

/**
 * Starts Verdaccio (the devDependency) with htpasswd auth and no uplinks, so nothing reaches the
 * network: anyone reads, only an authenticated user publishes. Creates one user through the
 * registry's own API (`PUT /-/user/org.couchdb.user:<name>`, what `npm adduser` does) and
 * returns its token.
 */
export async function startVerdaccio(): Promise<Verdaccio> {
  const server = await startServerProcess({
    name: 'verdaccio',
    prepare: async (dir, port) => {
      const config = join(dir, 'config.yaml');
      await writeFile(config, verdaccioConfig(dir));
      return [process.execPath, verdaccioScript(), '--config', config, '--listen', `127.0.0.1:${port}`];
    },
    isReady: async (url) => {
      const response = await probe(`${url}/-/ping`);
      await response?.body?.cancel();
      return response?.status === 200;
    },
  });
  try {
    const token = await addUser(server.url, USERNAME, randomBytes(12).toString('hex'));
    return { url: server.url, token, username: USERNAME, stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function verdaccioScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
}

function verdaccioConfig(dir: string): string {
  const rules = ['access: $all', 'publish: $authenticated', 'unpublish: $authenticated'];
  const block = (pattern: string) => [`  '${pattern}':`, ...rules.map((rule) => `    ${rule}`)];
  return [
    `storage: ${JSON.stringify(join(dir, 'storage'))}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
    '    max_users: 10',
    // No uplinks: a package the registry lacks is a 404, never a request to registry.npmjs.org.
    'uplinks: {}',
    'packages:',
    ...block('@*/*'),
    ...block('**'),
    'web:',
    '  enable: false',
    'log: { type: stdout, format: json, level: error }',
    '',
  ].join('\n');
}

/** Creates a user with the registry's CouchDB-style user API and returns the token it answers with. */
async function addUser(url: string, name: string, password: string): Promise<string> {
  const response = await fetch(`${url}/-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password, type: 'user', roles: [] }),
  });
  const body = (await response.json()) as { token?: unknown; error?: unknown };
  if (response.status !== 201 || typeof body.token !== 'string') {
    throw new Error(`verdaccio: creating user ${name} answered ${response.status}: ${String(body.error)}`);
  }
  return body.token;
}
