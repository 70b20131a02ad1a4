import type { Build } from './build.js';
import { relativeUrlOf } from './items.js';

/** `com.tikal.hudson.plugins.notification.Phase`. */
export type NotificationPhase = 'QUEUED' | 'STARTED' | 'COMPLETED' | 'FINALIZED';

/** How long one delivery may take (the plugin's default endpoint timeout is 30 s). */
const TIMEOUT_MS = 10_000;

/**
 * The JSON the Notification plugin POSTs (jenkinsci/notification-plugin, Phase.buildJobState and
 * model/JobState, BuildState, ScmState, serialised by Format.JSON with Gson's
 * LOWER_CASE_WITH_UNDERSCORES naming, so `fullUrl` is `full_url`; null fields are left out).
 * `scm` comes from what the checkout step checked out; `parameters` from ParametersAction.
 */
export function jobState(
  build: Build,
  phase: NotificationPhase,
  rootUrl: string,
  timestamp: number,
): Record<string, unknown> {
  const jobUrl = relativeUrlOf(build.job);
  const buildUrl = `${jobUrl}${build.number}/`;
  const scm: Record<string, unknown> = { changes: [], culprits: [] };
  if (build.scm.url) scm.url = build.scm.url;
  if (build.scm.branch) scm.branch = build.scm.branch;
  const commit = build.scm.commit ?? build.parameter('COMMIT');
  if (commit) scm.commit = commit;
  const state: Record<string, unknown> = {
    full_url: `${rootUrl}${buildUrl}`,
    number: build.number,
    queue_id: build.queueId,
    phase,
    timestamp,
    duration: build.duration,
    url: buildUrl,
    scm,
    parameters: Object.fromEntries(
      build.parameters
        .filter((parameter) => !parameter.className.includes('Password'))
        .map((p) => [p.name, p.value]),
    ),
    log: '',
    artifacts: {},
  };
  if (build.result !== null) state.status = build.result;
  return { name: build.job.name, display_name: build.job.name, url: jobUrl, build: state };
}

/**
 * `Protocol.HTTP.send`: one POST per endpoint, `Content-Type: application/json;charset=UTF-8`.
 * A failed delivery is reported in the console and otherwise ignored, as the plugin does.
 */
export async function deliver(
  url: string,
  body: Record<string, unknown>,
  log?: (line: string) => void,
): Promise<void> {
  log?.(`Notifying endpoint with url '${url}'`);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json;charset=UTF-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.arrayBuffer();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log?.(`Failed to notify endpoint with url '${url}' - ${message}`);
  }
}
