import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Just enough of four registries' HTTP APIs for the publish playbooks' "is this version there?"
 * question, on 127.0.0.1: npm (packument GET, publish PUT), PyPI's JSON API, crates.io's API and
 * an OCI registry's manifest HEAD behind the bearer-token flow. What they hold is plain data the
 * test sets; every request is recorded.
 */
export interface FakeRegistries {
  url: string;
  /** npm: package name → published versions. */
  npm: Map<string, Set<string>>;
  /** The token npm must present to publish. */
  npmToken: string;
  /** crates: "name version" pairs. */
  crates: Set<string>;
  /** Container registry: "repository:tag" pairs; reading needs a bearer token got with these credentials. */
  images: Set<string>;
  registryUser: string;
  registryPassword: string;
  requests: {
    method: string;
    path: string;
    authorization: string | undefined;
    userAgent: string | undefined;
  }[];
  close(): Promise<void>;
}

const BEARER = 'fake-bearer-token-3c9d';

export async function startFakeRegistries(secrets: {
  npmToken: string;
  registryPassword: string;
}): Promise<FakeRegistries> {
  const state = {
    npm: new Map<string, Set<string>>(),
    crates: new Set<string>(),
    images: new Set<string>(),
    requests: [] as FakeRegistries['requests'],
  };
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  let url = '';
  const registryUser = 'deployer';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const method = req.method ?? 'GET';
    state.requests.push({
      method,
      path,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
    });
    const body = await readBody(req);
    const crate = /^\/api\/v1\/crates\/([^/]+)\/([^/]+)$/.exec(path);
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (crate && !req.headers['user-agent']) {
      json(res, 403, { errors: [{ detail: 'a User-Agent is required' }] });
    } else if (crate) {
      json(res, state.crates.has(`${crate[1]} ${crate[2]}`) ? 200 : 404, { version: { num: crate[2] } });
    } else if (path === '/token') {
      token(req, res);
    } else if (manifest) {
      image(req, res, `${manifest[1]}:${manifest[2]}`);
    } else {
      npm(req, res, path.slice(1), method, body);
    }
  }

  function token(req: IncomingMessage, res: ServerResponse): void {
    const expected = `Basic ${Buffer.from(`${registryUser}:${secrets.registryPassword}`).toString('base64')}`;
    if (req.headers.authorization === expected) json(res, 200, { token: BEARER });
    else json(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] });
  }

  function image(req: IncomingMessage, res: ServerResponse, reference: string): void {
    if (req.headers.authorization === `Bearer ${BEARER}`) {
      res.writeHead(state.images.has(reference) ? 200 : 404).end();
      return;
    }
    res.setHeader('WWW-Authenticate', `Bearer realm="${url}/token",service="fake-registry"`);
    json(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] });
  }

  function npm(req: IncomingMessage, res: ServerResponse, name: string, method: string, body: string): void {
    const versions = state.npm.get(name);
    if (method === 'GET' && !versions) {
      json(res, 404, { error: 'Not found' });
    } else if (method === 'GET' && versions) {
      const all = Object.fromEntries([...versions].map((version) => [version, { name, version }]));
      json(res, 200, { name, 'dist-tags': { latest: [...versions].pop() ?? '' }, versions: all, time: {} });
    } else if (method === 'PUT' && req.headers.authorization !== `Bearer ${secrets.npmToken}`) {
      json(res, 401, { error: 'bad token' });
    } else if (method === 'PUT') {
      publish(res, name, body);
    } else {
      json(res, 405, { error: 'method not allowed' });
    }
  }

  function publish(res: ServerResponse, name: string, body: string): void {
    const published = Object.keys((JSON.parse(body) as { versions: Record<string, unknown> }).versions);
    const versions = state.npm.get(name) ?? new Set<string>();
    if (!name || published.some((version) => versions.has(version))) {
      json(res, 403, { error: 'cannot publish over a published version' });
      return;
    }
    for (const version of published) versions.add(version);
    state.npm.set(name, versions);
    json(res, 201, { ok: true });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    ...state,
    npmToken: secrets.npmToken,
    registryUser,
    registryPassword: secrets.registryPassword,
    close: () => closeServer(server),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
