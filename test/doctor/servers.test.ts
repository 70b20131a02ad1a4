import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, formatJson, formatText } from '../../src/doctor/report.js';
import { checkJenkins, checkOllama, checkServers, type ServerCheck } from '../../src/doctor/servers.js';
import {
  DEFAULT_JENKINS_PLUGINS,
  DEFAULT_JENKINS_USER,
  JENKINS_VERSION,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../emulators/jenkins/index.js';

const { name: JENKINS_USER, apiToken: JENKINS_TOKEN } = DEFAULT_JENKINS_USER;
const WRONG_TOKEN = 'tok-wrong-81d2aa90cc-secret';
const TOKEN_SOURCE = 'environment variable JENKINS_TOKEN';
const OLLAMA_TOKEN = 'ollama-bearer-5e6f7a8b9c';

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
const emulators: JenkinsEmulator[] = [];

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

async function emulator(options: Parameters<typeof startJenkinsEmulator>[0] = {}): Promise<JenkinsEmulator> {
  const started = await startJenkinsEmulator(options);
  emulators.push(started);
  return started;
}

let jenkins: JenkinsEmulator;
let ollamaUrl: string;
let securedOllamaUrl: string;

beforeAll(async () => {
  jenkins = await emulator();
  ollamaUrl = await listen(ollamaEmulator());
  securedOllamaUrl = await listen(ollamaEmulator(OLLAMA_TOKEN));
});

afterAll(async () => {
  for (const started of emulators) await started.stop();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** The emulator's URL as doctor shows it. */
function shown(target: JenkinsEmulator): string {
  return target.url.replace(/\/$/, '');
}

/** Every way a check reaches a person or a program: the object, the text table, the JSON. */
function everyOutput(checks: ServerCheck[]): string {
  const report = buildReport([], checks, { source: '/fleet', loaded: true, message: null });
  return [JSON.stringify(checks), formatText(report), formatJson(report)].join('\n');
}

describe('checkJenkins', () => {
  it('reports the version and the user the token belongs to, with every needed plugin active', async () => {
    const check = await checkJenkins({ url: jenkins.url, user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(check).toEqual({
      kind: 'jenkins',
      url: shown(jenkins),
      status: 'ok',
      version: JENKINS_VERSION,
      user: JENKINS_USER,
      message: `authenticated as ${JENKINS_USER}; the 7 plugins builds need are active`,
    });
    expect(everyOutput([check])).not.toContain(JENKINS_TOKEN);
  });

  it('says which user and which token reference to check when the token is refused, never the token', async () => {
    const check = await checkJenkins({
      url: jenkins.url,
      user: JENKINS_USER,
      token: WRONG_TOKEN,
      tokenSource: TOKEN_SOURCE,
    });
    expect(check).toMatchObject({ status: 'rejected', user: null });
    expect(check.message).toBe(
      `credentials refused (HTTP 401): check user ${JENKINS_USER} and the API token in ${TOKEN_SOURCE}`,
    );
    const output = everyOutput([check]);
    expect(output).not.toContain(WRONG_TOKEN);
    expect(output).not.toContain(Buffer.from(`${JENKINS_USER}:${WRONG_TOKEN}`).toString('base64'));
  });

  it('asks for credentials when a secured Jenkins is configured without any', async () => {
    const check = await checkJenkins({ url: jenkins.url });
    expect(check.status).toBe('rejected');
    expect(check.message).toBe(
      'Jenkins asks for credentials (HTTP 403): set ci.jenkins.user and ci.jenkins.token',
    );
  });

  it('reports a Jenkins that is down as unreachable at its URL, and ok once it is back', async () => {
    const flaky = await emulator();
    await flaky.goDown();
    const down = await checkJenkins({ url: flaky.url, user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(down).toMatchObject({ status: 'unreachable', url: shown(flaky), version: null });
    expect(down.message).toBe('cannot connect: connection refused');
    await flaky.comeBack();
    const up = await checkJenkins({ url: flaky.url, user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(up.status).toBe('ok');
  });

  it('reports a Jenkins that does not answer in time as unreachable', async () => {
    jenkins.delayNext(1, 1_500);
    const started = Date.now();
    const check = await checkJenkins(
      { url: jenkins.url, user: JENKINS_USER, token: JENKINS_TOKEN },
      { timeoutMs: 300 },
    );
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(check).toMatchObject({ status: 'unreachable', message: 'no answer within 0.3 s' });
  });

  it('reports a closed port as unreachable', async () => {
    const check = await checkJenkins({ url: await closedPort(), user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(check).toMatchObject({ status: 'unreachable', message: 'cannot connect: connection refused' });
  });

  it.each([
    [503, 'answered HTTP 503'],
    [429, 'rate-limited (HTTP 429)'],
  ] as const)(
    'reports a Jenkins answering %i as failed, not as refusing the credentials',
    async (status, text) => {
      jenkins.failNext(1, status);
      const check = await checkJenkins({ url: jenkins.url, user: JENKINS_USER, token: JENKINS_TOKEN });
      expect(check.status).toBe('failed');
      expect(check.message).toContain(text);
    },
  );

  it('names the plugins builds need that are missing or not active, as a warning', async () => {
    const lacking = await emulator({
      plugins: DEFAULT_JENKINS_PLUGINS.filter((plugin) => plugin.shortName !== 'junit').map((plugin) =>
        plugin.shortName === 'git' ? { ...plugin, active: false } : plugin,
      ),
    });
    const check = await checkJenkins({ url: lacking.url, user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(check).toMatchObject({ status: 'plugins-missing', version: JENKINS_VERSION, user: JENKINS_USER });
    expect(check.message).toContain('plugins builds need are missing: git (installed, not active), junit');
    const report = buildReport([], [check], { source: '/fleet', loaded: true, message: null });
    expect(report.ok).toBe(true);
    expect(formatText(report)).toContain('(1 warning above)');
  });

  it('leaves the plugins unchecked, and the check ok, when the user may not list them', async () => {
    const robot = { name: 'robot', apiToken: 'robot-token-5c1d0e', admin: false };
    const restricted = await emulator({ users: [robot] });
    const check = await checkJenkins({ url: restricted.url, user: robot.name, token: robot.apiToken });
    expect(check).toMatchObject({ status: 'ok', user: 'robot' });
    expect(check.message).toBe(
      'authenticated as robot; plugins not checked: user robot may not list them (that takes Overall/Administer)',
    );
  });

  it('does not probe a Jenkins whose token reference cannot be resolved', async () => {
    jenkins.resetRequestLog();
    const check = await checkJenkins({
      url: jenkins.url,
      user: JENKINS_USER,
      tokenSource: TOKEN_SOURCE,
      secretProblem: 'secret from environment variable JENKINS_TOKEN is not set',
    });
    expect(check).toMatchObject({
      status: 'misconfigured',
      message: 'secret from environment variable JENKINS_TOKEN is not set',
    });
    expect(jenkins.requests).toEqual([]);
  });

  it('refuses a URL with credentials in it, and never shows them', async () => {
    jenkins.resetRequestLog();
    const url = jenkins.url.replace('http://', `http://${JENKINS_USER}:${JENKINS_TOKEN}@`);
    const check = await checkJenkins({ url });
    expect(check).toMatchObject({ status: 'misconfigured', url: shown(jenkins) });
    expect(check.message).toContain('put the user in ci.jenkins.user');
    expect(everyOutput([check])).not.toContain(JENKINS_TOKEN);
    expect(jenkins.requests).toEqual([]);
  });

  it('says a server that is not Jenkins does not look like one', async () => {
    const check = await checkJenkins({ url: ollamaUrl });
    expect(check.status).toBe('failed');
    expect(check.message).toBe(`/api/json answered HTTP 404: is ${ollamaUrl} a Jenkins?`);
  });

  it('keeps the path of a Jenkins that is not at the root of its host', async () => {
    const paths: string[] = [];
    const url = await listen((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(200, { 'Content-Type': 'application/json', 'X-Jenkins': JENKINS_VERSION });
      response.end(JSON.stringify({ name: JENKINS_USER, plugins: [] }));
    });
    const check = await checkJenkins({ url: `${url}/jenkins/`, user: JENKINS_USER, token: JENKINS_TOKEN });
    expect(check.version).toBe(JENKINS_VERSION);
    expect(paths.length).toBe(3);
    for (const path of paths) expect(path).toMatch(/^\/jenkins\/(api|whoAmI|pluginManager)\//);
  });
});

describe('checkOllama', () => {
  it('reads the version from /api/version and finds the configured model in /api/tags', async () => {
    const check = await checkOllama({ host: ollamaUrl, model: 'qwen2.5-coder:7b' });
    expect(check).toMatchObject({ kind: 'ollama', status: 'ok', version: '0.6.2', user: null });
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
        url: jenkins.url,
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
    expect(formatText(report)).toContain(JENKINS_VERSION);
    expect(everyOutput(checks)).not.toContain(JENKINS_TOKEN);
  });

  it('checks nothing when the fleet configures no server', async () => {
    expect(await checkServers({})).toEqual([]);
  });
});
