import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, formatJson, formatText } from '../../src/doctor/report.js';
import { checkJenkins, checkOllama, checkServers, type ServerCheck } from '../../src/doctor/servers.js';

const JENKINS_USER = 'ci-bot';
const JENKINS_TOKEN = 'tok-3f9a1c0e7b5d42-secret';
const WRONG_TOKEN = 'tok-wrong-81d2aa90cc-secret';
const OLLAMA_TOKEN = 'ollama-bearer-5e6f7a8b9c';

/** Answers like Jenkins' Remote Access API: X-Jenkins on every /api/ page, 401 without basic auth. */
function jenkinsEmulator(requests: string[]) {
  const expected = `Basic ${Buffer.from(`${JENKINS_USER}:${JENKINS_TOKEN}`).toString('base64')}`;
  return (request: IncomingMessage, response: ServerResponse) => {
    requests.push(request.url ?? '');
    response.setHeader('X-Jenkins', '2.479.1');
    if (!request.url?.endsWith('/api/json')) {
      response.writeHead(404).end();
      return;
    }
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Jenkins"' }).end('Unauthorized');
      return;
    }
    response
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ mode: 'NORMAL', jobs: [] }));
  };
}

/** Answers like Ollama's docs/api.md: /api/version and /api/tags; a bearer token when `token` is set. */
function ollamaEmulator(token?: string) {
  return (request: IncomingMessage, response: ServerResponse) => {
    if (token && request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401).end();
      return;
    }
    const json = (body: unknown) =>
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (request.url === '/api/version') return json({ version: '0.6.2' });
    if (request.url === '/api/tags') {
      return json({
        models: [
          { name: 'qwen2.5-coder:7b', model: 'qwen2.5-coder:7b', size: 4683087332 },
          { name: 'llama3.2:latest', model: 'llama3.2:latest', size: 2019393189 },
        ],
      });
    }
    response.writeHead(404).end('404 page not found');
  };
}

const servers: Server[] = [];

async function listen(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port that was just open and is now closed: connecting to it is refused. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return `http://127.0.0.1:${port}`;
}

const jenkinsRequests: string[] = [];
let jenkinsUrl: string;
let ollamaUrl: string;
let securedOllamaUrl: string;
let silentUrl: string;

beforeAll(async () => {
  jenkinsUrl = await listen(jenkinsEmulator(jenkinsRequests));
  ollamaUrl = await listen(ollamaEmulator());
  securedOllamaUrl = await listen(ollamaEmulator(OLLAMA_TOKEN));
  silentUrl = await listen(() => {
    // Accepts the connection and never answers.
  });
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Every way a check reaches a person or a program: the object, the text table, the JSON. */
function everyOutput(checks: ServerCheck[]): string {
  const report = buildReport([], checks, { source: '/fleet', loaded: true, message: null });
  return [JSON.stringify(checks), formatText(report), formatJson(report)].join('\n');
}

describe('checkJenkins', () => {
  it('reads the version from the X-Jenkins header when the credentials are accepted', async () => {
    const check = await checkJenkins({ url: jenkinsUrl, user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(check).toEqual({
      kind: 'jenkins',
      url: jenkinsUrl,
      status: 'ok',
      version: '2.479.1',
      message: null,
    });
    expect(everyOutput([check])).not.toContain(JENKINS_TOKEN);
  });

  it('says which user and which secret to check when the token is rejected, without the token', async () => {
    const check = await checkJenkins({
      url: jenkinsUrl,
      user: JENKINS_USER,
      token: WRONG_TOKEN,
      tokenSource: 'environment variable JENKINS_TOKEN',
    });
    expect(check.status).toBe('rejected');
    expect(check.message).toBe(
      'credentials rejected (HTTP 401): check user ci-bot and the token in environment variable JENKINS_TOKEN',
    );
    const output = everyOutput([check]);
    expect(output).not.toContain(WRONG_TOKEN);
    expect(output).not.toContain(Buffer.from(`${JENKINS_USER}:${WRONG_TOKEN}`).toString('base64'));
  });

  it('asks for credentials when a secured Jenkins is configured without any', async () => {
    const check = await checkJenkins({ url: jenkinsUrl });
    expect(check.status).toBe('rejected');
    expect(check.message).toContain('set ci.jenkins.user and ci.jenkins.token');
  });

  it('keeps the path of a Jenkins that is not at the root of its host', async () => {
    const before = jenkinsRequests.length;
    const check = await checkJenkins({
      url: `${jenkinsUrl}/jenkins/`,
      user: JENKINS_USER,
      token: JENKINS_TOKEN,
    });
    expect(check.status).toBe('ok');
    expect(jenkinsRequests.slice(before)).toEqual(['/jenkins/api/json']);
  });

  it('reports a closed port as unreachable', async () => {
    const url = await closedPort();
    const check = await checkJenkins({ url, user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(check).toMatchObject({ status: 'unreachable', version: null });
    expect(check.message).toContain('connection refused');
  });

  it('reports a server that never answers as unreachable after the timeout', async () => {
    const started = Date.now();
    const check = await checkJenkins({ url: silentUrl }, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(check.status).toBe('unreachable');
    expect(check.message).toContain('no answer');
  });

  it('says a server that is not Jenkins does not look like one', async () => {
    const check = await checkJenkins({ url: ollamaUrl });
    expect(check.status).toBe('failed');
    expect(check.message).toContain('a Jenkins?');
  });

  it('reports an unresolvable token as a problem for that server without probing it', async () => {
    const before = jenkinsRequests.length;
    const check = await checkJenkins({
      url: jenkinsUrl,
      user: JENKINS_USER,
      tokenSource: 'environment variable JENKINS_TOKEN',
      secretProblem: 'secret from environment variable JENKINS_TOKEN is not set',
    });
    expect(check).toMatchObject({
      status: 'misconfigured',
      message: 'secret from environment variable JENKINS_TOKEN is not set',
    });
    expect(jenkinsRequests.length).toBe(before);
  });
});

describe('checkOllama', () => {
  it('reads the version from /api/version and finds the configured model in /api/tags', async () => {
    const check = await checkOllama({ host: ollamaUrl, model: 'qwen2.5-coder:7b' });
    expect(check).toMatchObject({ kind: 'ollama', status: 'ok', version: '0.6.2' });
  });

  it('takes a model named without a tag to mean :latest', async () => {
    const check = await checkOllama({ host: ollamaUrl, model: 'llama3.2' });
    expect(check.status).toBe('ok');
  });

  it('says how to pull a configured model that is not pulled', async () => {
    const check = await checkOllama({ host: ollamaUrl, model: 'mistral:7b' });
    expect(check).toMatchObject({ status: 'model-missing', version: '0.6.2' });
    expect(check.message).toContain('ollama pull mistral:7b');
  });

  it('sends the bearer token to an Ollama behind a proxy, and never shows it', async () => {
    const accepted = await checkOllama({ host: securedOllamaUrl, model: 'llama3.2', token: OLLAMA_TOKEN });
    const rejected = await checkOllama({ host: securedOllamaUrl, model: 'llama3.2', token: 'not-the-token' });
    expect(accepted.status).toBe('ok');
    expect(rejected.status).toBe('rejected');
    expect(everyOutput([accepted, rejected])).not.toContain(OLLAMA_TOKEN);
  });

  it('reports a closed port as unreachable', async () => {
    const check = await checkOllama({ host: await closedPort(), model: 'llama3.2' });
    expect(check.status).toBe('unreachable');
  });
});

describe('checkServers', () => {
  it('probes Jenkins and Ollama together, and the report is not ok when one does not answer', async () => {
    const checks = await checkServers({
      jenkins: {
        url: jenkinsUrl,
        user: JENKINS_USER,
        token: JENKINS_TOKEN,
        tokenSource: 'file jenkins.token',
      },
      ollama: { host: await closedPort(), model: 'qwen2.5-coder:7b' },
    });
    expect(checks.map((check) => [check.kind, check.status])).toEqual([
      ['jenkins', 'ok'],
      ['ollama', 'unreachable'],
    ]);
    const report = buildReport([], checks, { source: '/fleet', loaded: true, message: null });
    expect(report.ok).toBe(false);
    expect(formatText(report)).toContain('2.479.1');
    expect(everyOutput(checks)).not.toContain(JENKINS_TOKEN);
  });

  it('checks nothing when the fleet configures no server', async () => {
    expect(await checkServers({})).toEqual([]);
  });
});
