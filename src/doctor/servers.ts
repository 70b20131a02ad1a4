/**
 * Probes the servers a fleet is configured with. Protocols followed:
 * - Jenkins, "Remote Access API" (https://www.jenkins.io/doc/book/using/remote-access-api/):
 *   any `.../api/*` page answers with an `X-Jenkins` response header holding the version, and a
 *   secured Jenkins takes HTTP basic authentication with a user and an API token.
 * - Ollama, docs/api.md (https://github.com/ollama/ollama/blob/main/docs/api.md):
 *   `GET /api/version` → `{ "version": "0.x.y" }`; "List Local Models" `GET /api/tags` →
 *   `{ "models": [{ "name": "llama3.2:latest", "model": "llama3.2:latest", … }] }`.
 */

export type ServerKind = 'jenkins' | 'ollama';

/**
 * ok — answered and ready; model-missing — Ollama answered but the configured model is not pulled;
 * rejected — answered 401/403; unreachable — no connection or no answer in time; failed — answered,
 * but not as expected; misconfigured — not probed, the configuration itself is unusable.
 */
export type ServerStatus = 'ok' | 'model-missing' | 'rejected' | 'unreachable' | 'failed' | 'misconfigured';

/** What doctor found out about one configured server. Never holds a credential. */
export interface ServerCheck {
  kind: ServerKind;
  /** The configured URL, without any user info. */
  url: string;
  status: ServerStatus;
  version: string | null;
  /** What went wrong and what to do, or a note when ok; for people, never contains a secret. */
  message: string | null;
}

/** A Jenkins to probe, with its credentials already resolved. */
export interface JenkinsTarget {
  url: string;
  user?: string;
  token?: string;
  /** Where the token comes from, for messages: `environment variable JENKINS_TOKEN`. */
  tokenSource?: string;
  /** Set when the token reference could not be resolved: the server is reported, not probed. */
  secretProblem?: string;
}

/** An Ollama to probe and the model the fleet wants from it. */
export interface OllamaTarget {
  host: string;
  model: string;
  /** Bearer token, for an Ollama behind an authenticating proxy. */
  token?: string;
  secretProblem?: string;
}

export interface ServerTargets {
  jenkins?: JenkinsTarget;
  ollama?: OllamaTarget;
}

export interface ProbeOptions {
  /** How long one request may take; default 5 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Probes every configured server concurrently; Jenkins first, then Ollama. */
export async function checkServers(
  targets: ServerTargets,
  options: ProbeOptions = {},
): Promise<ServerCheck[]> {
  const probes: Promise<ServerCheck>[] = [];
  if (targets.jenkins) probes.push(checkJenkins(targets.jenkins, options));
  if (targets.ollama) probes.push(checkOllama(targets.ollama, options));
  return Promise.all(probes);
}

/** True when the server answered well enough for its facet to work (a missing model is only a warning). */
export function serverAnswered(check: ServerCheck): boolean {
  return check.status === 'ok' || check.status === 'model-missing';
}

/** GET `<url>/api/json`; the version is the `X-Jenkins` header. */
export async function checkJenkins(target: JenkinsTarget, options: ProbeOptions = {}): Promise<ServerCheck> {
  const url = displayUrl(target.url);
  const result = reporter('jenkins', url);
  if (target.secretProblem) return result('misconfigured', null, target.secretProblem);
  if (target.token && !target.user) {
    return result('misconfigured', null, 'a Jenkins token is configured without a user: set ci.jenkins.user');
  }
  const endpoint = apiUrl(target.url, 'api/json');
  if (!endpoint) return result('misconfigured', null, `not a valid URL: ${url}`);

  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.user && target.token) {
    headers.authorization = `Basic ${Buffer.from(`${target.user}:${target.token}`).toString('base64')}`;
  }
  const answer = await get(endpoint, headers, options);
  if (answer.kind === 'unreachable') return result('unreachable', null, answer.message);
  const { response } = answer;
  await response.body?.cancel();
  const version = response.headers.get('x-jenkins');
  if (response.status === 401 || response.status === 403) {
    return result('rejected', version, rejectedMessage(response.status, target));
  }
  if (!response.ok) {
    return result(
      'failed',
      version,
      `${endpoint.pathname} answered HTTP ${response.status}: is ${url} a Jenkins?`,
    );
  }
  if (!version) {
    return result(
      'failed',
      null,
      `${url} answered without an X-Jenkins header: it does not look like a Jenkins`,
    );
  }
  return result('ok', version, null);
}

/** GET `/api/version` for the version, then `/api/tags` to see whether the model is pulled. */
export async function checkOllama(target: OllamaTarget, options: ProbeOptions = {}): Promise<ServerCheck> {
  const url = displayUrl(target.host);
  const result = reporter('ollama', url);
  if (target.secretProblem) return result('misconfigured', null, target.secretProblem);
  const versionUrl = apiUrl(target.host, 'api/version');
  const tagsUrl = apiUrl(target.host, 'api/tags');
  if (!versionUrl || !tagsUrl) return result('misconfigured', null, `not a valid URL: ${url}`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;

  const about = await getJson(versionUrl, headers, options);
  if (about.kind !== 'json') return result(about.status, null, about.message);
  const version = typeof about.body.version === 'string' ? about.body.version : null;
  if (!version) {
    return result('failed', null, `${versionUrl.pathname} answered without a version: is ${url} an Ollama?`);
  }

  const tags = await getJson(tagsUrl, headers, options);
  if (tags.kind !== 'json') return result(tags.status, version, tags.message);
  const names = modelNames(tags.body);
  if (hasModel(names, target.model)) return result('ok', version, `model ${target.model} is pulled`);
  return result(
    'model-missing',
    version,
    `model ${target.model} is not pulled: run \`ollama pull ${target.model}\` on the Ollama host`,
  );
}

function reporter(kind: ServerKind, url: string) {
  return (status: ServerStatus, version: string | null, message: string | null): ServerCheck => ({
    kind,
    url,
    status,
    version,
    message,
  });
}

function rejectedMessage(status: number, target: JenkinsTarget): string {
  if (!target.user || !target.token) {
    return `Jenkins asks for credentials (HTTP ${status}): set ci.jenkins.user and ci.jenkins.token`;
  }
  const source = target.tokenSource ?? 'the configured secret';
  return `credentials rejected (HTTP ${status}): check user ${target.user} and the token in ${source}`;
}

type Answer = { kind: 'response'; response: Response } | { kind: 'unreachable'; message: string };

async function get(url: URL, headers: Record<string, string>, options: ProbeOptions): Promise<Answer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const response = await fetch(url, {
      headers,
      redirect: 'follow',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { kind: 'response', response };
  } catch (error) {
    return { kind: 'unreachable', message: unreachableMessage(error, timeoutMs) };
  }
}

type JsonAnswer =
  | { kind: 'json'; body: Record<string, unknown> }
  | { kind: 'error'; status: 'unreachable' | 'rejected' | 'failed'; message: string };

async function getJson(
  url: URL,
  headers: Record<string, string>,
  options: ProbeOptions,
): Promise<JsonAnswer> {
  const answer = await get(url, headers, options);
  if (answer.kind === 'unreachable') return { kind: 'error', status: 'unreachable', message: answer.message };
  const { response } = answer;
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    return {
      kind: 'error',
      status: 'rejected',
      message: `${url.pathname} answered HTTP ${response.status}: check llm.ollama.token`,
    };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { kind: 'error', status: 'failed', message: `${url.pathname} answered HTTP ${response.status}` };
  }
  try {
    const body: unknown = await response.json();
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      return { kind: 'json', body: body as Record<string, unknown> };
    }
  } catch {
    // Reported below, like any other body that is not a JSON object.
  }
  return { kind: 'error', status: 'failed', message: `${url.pathname} did not answer with a JSON object` };
}

function modelNames(body: Record<string, unknown>): string[] {
  const names: string[] = [];
  if (!Array.isArray(body.models)) return names;
  for (const entry of body.models as unknown[]) {
    if (entry === null || typeof entry !== 'object') continue;
    const { name, model } = entry as { name?: unknown; model?: unknown };
    if (typeof name === 'string') names.push(name);
    if (typeof model === 'string') names.push(model);
  }
  return names;
}

/** Ollama names a model without a tag `<name>:latest`. */
function hasModel(names: string[], wanted: string): boolean {
  const full = wanted.includes(':') ? wanted : `${wanted}:latest`;
  return names.includes(wanted) || names.includes(full);
}

function unreachableMessage(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return 'cannot connect: connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot connect: host not found (${code})`;
  return `cannot connect${code ? ` (${code})` : ''}`;
}

/** undici wraps the socket error: `TypeError: fetch failed` with the errno code on a cause. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/** `<base>/<path>`, keeping a base path such as `/jenkins`; undefined when base is not a URL. */
function apiUrl(base: string, path: string): URL | undefined {
  try {
    const url = new URL(base.endsWith('/') ? base : `${base}/`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.username = '';
    url.password = '';
    return new URL(path, url);
  } catch {
    return undefined;
  }
}

/** The URL as configured, minus any user info (which may hold a password). */
function displayUrl(value: string): string {
  try {
    const url = new URL(value);
    url.username = '';
    url.password = '';
    return url.href.replace(/\/$/, '');
  } catch {
    return value.replace(/\/\/[^/@\s]*@/, '//');
  }
}
