import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { devNull } from 'node:os';

/** One request the server answered: who asked (the Basic user, if any) and how it went. */
export interface GitHttpRequest {
  method: string;
  path: string;
  user: string | undefined;
  status: number;
  /** The Authorization header as it came, to check that nothing but Basic auth carried the token. */
  authorization: string | undefined;
}

export interface GitHttpServer {
  /** http://127.0.0.1:<port> */
  url: string;
  requests: GitHttpRequest[];
  close(): Promise<void>;
}

/**
 * A real git server on loopback, as a private repository host is: `git http-backend` (the CGI
 * program git ships, https://git-scm.com/docs/git-http-backend) serving the bare repositories
 * under `root`, behind HTTP Basic auth that accepts any user with `password`. Without it, or
 * with another password, every request gets 401 and a `WWW-Authenticate` challenge, as GitHub,
 * Gitea and GitLab answer git. Pushes are allowed to an authenticated user (REMOTE_USER set).
 */
export async function startGitHttpServer(root: string, password: string): Promise<GitHttpServer> {
  const requests: GitHttpRequest[] = [];
  const server = createServer((request, response) => {
    const authorization = request.headers.authorization;
    const user = basicUser(authorization, password);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const record = (status: number) =>
      requests.push({ method: request.method ?? 'GET', path: url.pathname, user, status, authorization });
    if (user === undefined) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      response.end('authentication required\n');
      record(401);
      return;
    }
    serveCgi(root, url, user, request, response, record);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The user of a Basic Authorization header whose password is `password`; undefined otherwise. */
function basicUser(header: string | undefined, password: string): string | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(colon + 1) !== password) return undefined;
  return decoded.slice(0, colon);
}

/** Runs `git http-backend` for one request (CGI/1.1: meta-variables in, Status line and headers out). */
function serveCgi(
  root: string,
  url: URL,
  user: string,
  request: IncomingMessage,
  response: ServerResponse,
  record: (status: number) => void,
): void {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_CONFIG_GLOBAL: devNull,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: request.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REMOTE_USER: user,
    REMOTE_ADDR: '127.0.0.1',
    CONTENT_TYPE: request.headers['content-type'] ?? '',
  };
  if (request.headers['content-length']) env.CONTENT_LENGTH = request.headers['content-length'];
  if (request.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = request.headers['content-encoding'];
  if (request.headers['git-protocol']) env.GIT_PROTOCOL = String(request.headers['git-protocol']);
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  request.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    response.writeHead(status, headers);
    record(status);
    response.write(head.subarray(end + 4));
  });
  child.on('close', () => {
    if (!started) {
      response.writeHead(500);
      record(500);
    }
    response.end();
  });
}
