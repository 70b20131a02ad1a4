/** A build phase as the Notification plugin names it (jenkinsci/notification-plugin, `Phase`). */
export type BuildPhase = 'QUEUED' | 'STARTED' | 'COMPLETED' | 'FINALIZED';

/** What a Jenkins build notification says, in our terms. */
export interface BuildNotification {
  /** Product id `org/name`, from the job's path under the fleet's Jenkins folder. */
  product: string;
  /** The COMMIT the build was for (its parameter, or the commit the checkout reported). */
  commit: string | undefined;
  phase: BuildPhase;
  number: number;
  /** SUCCESS, FAILURE… once the build has a result. */
  status: string | undefined;
}

const PHASES: readonly BuildPhase[] = ['QUEUED', 'STARTED', 'COMPLETED', 'FINALIZED'];

/**
 * Reads the JSON the Notification plugin POSTs (`{ name, url: "job/…/", build: { number, phase,
 * status, scm: { commit }, parameters } }`, `Format.JSON` of `JobState`/`BuildState`), and maps
 * the job back to a product: the job path is `[folder…, org, name]`. Anything else — another
 * job, a malformed body — is undefined: the endpoint ignores it, as it must accept any POST.
 */
export function parseJenkinsNotification(body: unknown, folder?: string): BuildNotification | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { url, build } = body as { url?: unknown; build?: Record<string, unknown> };
  if (typeof url !== 'string' || !build || typeof build !== 'object') return undefined;
  const phase = build.phase;
  if (typeof phase !== 'string' || !(PHASES as readonly string[]).includes(phase)) return undefined;
  const segments = [...url.matchAll(/job\/([^/]+)/g)].map((match) => decodeURIComponent(match[1] as string));
  const prefix = (folder ?? '').split('/').filter(Boolean);
  if (segments.length !== prefix.length + 2 || prefix.some((part, index) => segments[index] !== part))
    return undefined;
  const parameters = (build.parameters ?? {}) as Record<string, unknown>;
  const scm = (build.scm ?? {}) as Record<string, unknown>;
  const commit =
    typeof parameters.COMMIT === 'string'
      ? parameters.COMMIT
      : typeof scm.commit === 'string'
        ? scm.commit
        : undefined;
  return {
    product: `${segments[prefix.length]}/${segments[prefix.length + 1]}`,
    commit,
    phase: phase as BuildPhase,
    number: Number(build.number),
    status: typeof build.status === 'string' ? build.status : undefined,
  };
}

/** Whether a notification means the build's outcome is final: time for a reconcile pass of its product. */
export function isFinal(notification: BuildNotification): boolean {
  return notification.phase === 'FINALIZED';
}
