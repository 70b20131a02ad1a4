/**
 * Probes a Jenkins through JenkinsApi, the client the reconciler builds with, so that doctor and
 * a reconcile agree on what works. Jenkins' "Remote Access API"
 * (https://www.jenkins.io/doc/book/using/remote-access-api/): every `.../api/*` page carries the
 * version in `X-Jenkins`; `/whoAmI/api/json` names the caller; `/pluginManager/api/json` lists
 * the installed plugins (to those with Overall/Administer, or Overall/SystemRead where enabled).
 */
import { JenkinsApi, type JenkinsPlugin } from '../backends/jenkins/client.js';
import { statusOf } from '../backends/jenkins/errors.js';
import { CodemonkeysError } from '../errors.js';
import { redactor } from '../log/redact.js';
import { apiUrl, displayUrl, reporter, unreachableMessage } from './probe.js';
import type { JenkinsTarget, ProbeOptions, ServerCheck } from './servers.js';

/**
 * What the generated jobs use: Pipeline jobs and their Groovy engine, declarative syntax,
 * `checkout` of git, `junit` reports, `credentials()` bindings, and the folder per org.
 */
export const REQUIRED_JENKINS_PLUGINS = [
  'workflow-job',
  'workflow-cps',
  'pipeline-model-definition',
  'git',
  'junit',
  'credentials-binding',
  'cloudbees-folder',
] as const;

const DEFAULT_TIMEOUT_MS = 5_000;

/** Version (X-Jenkins), then who the credentials belong to and whether the needed plugins are there. */
export async function checkJenkins(target: JenkinsTarget, options: ProbeOptions = {}): Promise<ServerCheck> {
  const url = displayUrl(target.url);
  const result = reporter('jenkins', url);
  const problem = configurationProblem(target, url);
  if (problem) return result('misconfigured', null, problem);

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const api = new JenkinsApi({
    url: target.url,
    user: target.user,
    token: target.token,
    tokenSource: target.tokenSource,
    timeoutMs,
  });
  let version: string;
  try {
    version = await api.version();
  } catch (error) {
    const failure = describeFailure(error, target, url, timeoutMs);
    return result(failure.status, null, failure.message);
  }
  if (version === 'unknown') {
    return result(
      'failed',
      null,
      `${url} answered without an X-Jenkins header: it does not look like a Jenkins`,
    );
  }
  const [user, plugins] = await Promise.all([whoAmI(api), pluginProblem(api, target)]);
  const who = user ? `authenticated as ${user}` : null;
  if (plugins.missing.length > 0) {
    return result('plugins-missing', version, joinNotes(who, missingMessage(plugins.missing)), user);
  }
  const note = plugins.unchecked ?? `the ${REQUIRED_JENKINS_PLUGINS.length} plugins builds need are active`;
  return result('ok', version, joinNotes(who, note), user);
}

/** What keeps the configuration from being probed at all; undefined when it can be. */
function configurationProblem(target: JenkinsTarget, url: string): string | undefined {
  if (target.secretProblem) return target.secretProblem;
  if (target.token && !target.user)
    return 'a Jenkins token is configured without a user: set ci.jenkins.user';
  if (!apiUrl(target.url, 'api/json')) return `not a valid URL: ${url}`;
  const parsed = new URL(target.url);
  if (parsed.username || parsed.password) {
    return 'the URL holds credentials, which the Jenkins client refuses: put the user in ci.jenkins.user and the token in ci.jenkins.token';
  }
  return undefined;
}

type Failure = { status: 'rejected' | 'unreachable' | 'failed'; message: string };

/** A JenkinsApi error, as doctor reports it: refused credentials, no answer, or a wrong answer. */
function describeFailure(error: unknown, target: JenkinsTarget, url: string, timeoutMs: number): Failure {
  if (!(error instanceof CodemonkeysError)) {
    return {
      status: 'failed',
      message: redactor.redactText(error instanceof Error ? error.message : String(error)),
    };
  }
  const status = statusOf(error.cause);
  switch (error.reason) {
    case 'JenkinsUnauthorized':
      return { status: 'rejected', message: refusedMessage(status ?? 401, target) };
    case 'JenkinsRateLimited':
      return { status: 'failed', message: 'rate-limited (HTTP 429): try again later' };
    case 'NotFound':
      return { status: 'failed', message: `/api/json answered HTTP 404: is ${url} a Jenkins?` };
  }
  if (status !== undefined) {
    return {
      status: 'failed',
      message: `/api/json answered HTTP ${status}: is ${url} a Jenkins, and is it up?`,
    };
  }
  return { status: 'unreachable', message: unreachableMessage(error.cause, timeoutMs) };
}

function refusedMessage(status: number, target: JenkinsTarget): string {
  if (!target.user || !target.token) {
    return `Jenkins asks for credentials (HTTP ${status}): set ci.jenkins.user and ci.jenkins.token`;
  }
  const source = target.tokenSource ?? 'the configured secret';
  return `credentials refused (HTTP ${status}): check user ${target.user} and the API token in ${source}`;
}

/** The caller's name; undefined when Jenkins will not say (an old Jenkins, a proxy): it is only a note. */
async function whoAmI(api: JenkinsApi): Promise<string | null> {
  try {
    return await api.whoAmI();
  } catch {
    return null;
  }
}

/** Required plugins that are not active; or why the list could not be read (not a fault of Jenkins). */
async function pluginProblem(
  api: JenkinsApi,
  target: JenkinsTarget,
): Promise<{ missing: string[]; unchecked?: string }> {
  let installed: JenkinsPlugin[];
  try {
    installed = await api.plugins();
  } catch (error) {
    const refused = error instanceof CodemonkeysError && error.reason === 'JenkinsUnauthorized';
    const who = target.user ? `user ${target.user}` : 'the anonymous user';
    const why = refused
      ? `${who} may not list them (that takes Overall/Administer)`
      : redactor.redactText(error instanceof Error ? error.message : String(error));
    return { missing: [], unchecked: `plugins not checked: ${why}` };
  }
  const byName = new Map(installed.map((plugin) => [plugin.shortName, plugin]));
  const missing: string[] = [];
  for (const name of REQUIRED_JENKINS_PLUGINS) {
    const plugin = byName.get(name);
    if (!plugin) missing.push(name);
    else if (!plugin.active) missing.push(`${name} (installed, not active)`);
  }
  return { missing };
}

function missingMessage(missing: string[]): string {
  return `plugins builds need are missing: ${missing.join(', ')}; install or enable them in Manage Jenkins › Plugins`;
}

function joinNotes(...notes: (string | null)[]): string | null {
  const present = notes.filter((note): note is string => Boolean(note));
  return present.length > 0 ? present.join('; ') : null;
}
