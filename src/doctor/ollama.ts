/**
 * Probes an Ollama, following its docs/api.md (https://github.com/ollama/ollama/blob/main/docs/api.md):
 * `GET /api/version` → `{ "version": "0.x.y" }`; "List Local Models" `GET /api/tags` →
 * `{ "models": [{ "name": "llama3.2:latest", "model": "llama3.2:latest", … }] }`.
 */
import { apiUrl, displayUrl, reporter, unreachableMessage } from './probe.js';
import type { OllamaTarget, ProbeOptions, ServerCheck } from './servers.js';

const DEFAULT_TIMEOUT_MS = 5_000;

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

type JsonAnswer =
  | { kind: 'json'; body: Record<string, unknown> }
  | { kind: 'error'; status: 'unreachable' | 'rejected' | 'failed'; message: string };

async function getJson(
  url: URL,
  headers: Record<string, string>,
  options: ProbeOptions,
): Promise<JsonAnswer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return { kind: 'error', status: 'unreachable', message: unreachableMessage(error, timeoutMs) };
  }
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
