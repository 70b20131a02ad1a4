import type { IncomingHttpHeaders } from 'node:http';
import { headerValue, type WebhookSource } from './request.js';

interface Delivered {
  source: WebhookSource;
  /** The sender's id of this delivery (kept the same when it redelivers), when it gives one. */
  delivery: string | undefined;
}

/** A push to a repository: a branch or tag moved. */
export interface PushEvent extends Delivered {
  kind: 'push';
  /** Every URL the payload names the repository by (clone, ssh, web…), as given, without repeats. */
  repositoryUrls: string[];
  /** The ref that moved: `refs/heads/main`, `refs/tags/v1.2.0`. */
  ref: string;
  /** The commit the ref points to after the push (all zeros when the push deleted it). */
  after: string;
}

/** A message of Jenkins' Notification plugin about one build of one job, in any phase. */
export interface JenkinsEvent extends Delivered {
  kind: 'jenkins';
  /** The job's path as the plugin gives it (`job/acme/job/widget/`): its full name. */
  job: string;
  number: number;
  phase: string;
  /** The plugin's JSON as received: `parseJenkinsNotification` maps it to a product. */
  body: Record<string, unknown>;
}

/** A delivery that asks for nothing: a ping, or an event other than a push. */
export interface IgnoredEvent extends Delivered {
  kind: 'ignored';
  /** The event as the sender named it (`ping`, `issues`, `Merge Request Hook`…), empty if unnamed. */
  event: string;
}

/** What one authenticated delivery says, whoever sent it. */
export type WebhookEvent = PushEvent | JenkinsEvent | IgnoredEvent;

type Payload = Record<string, unknown>;

/**
 * The JSON object a body carries: the body itself, or, for a form-encoded hook (GitHub's
 * `application/x-www-form-urlencoded` setting), the JSON in its `payload` field. Undefined when
 * there is no JSON object to be had.
 */
export function decodePayload(body: Buffer, contentType: string | undefined): Payload | undefined {
  const text = isForm(contentType)
    ? new URLSearchParams(body.toString('utf8')).get('payload')
    : body.toString('utf8');
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isForm(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/x-www-form-urlencoded';
}

/** The repository URLs of a GitHub or Gitea push (`repository.url` is the API's, not the repo's). */
const GITHUB_REPOSITORY_URLS = ['clone_url', 'ssh_url', 'html_url', 'git_url'] as const;
const GITLAB_PROJECT_URLS = ['git_http_url', 'git_ssh_url', 'web_url'] as const;
const GITLAB_REPOSITORY_URLS = ['git_http_url', 'git_ssh_url', 'url', 'homepage'] as const;

/**
 * A GitHub delivery: `X-GitHub-Event` (`push` is read, `ping` and the rest ignored) and
 * `X-GitHub-Delivery`; a push gives `ref`, `after` and `repository.*_url`.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 * Undefined when a push's payload lacks its ref, commit or repository.
 */
export function readGithubEvent(headers: IncomingHttpHeaders, payload: Payload): WebhookEvent | undefined {
  const delivery = headerValue(headers, 'x-github-delivery');
  const event = headerValue(headers, 'x-github-event') ?? '';
  if (event !== 'push') return { kind: 'ignored', source: 'github', delivery, event };
  return readPush('github', delivery, payload, urlsOf(payload.repository, GITHUB_REPOSITORY_URLS));
}

/**
 * A Gitea delivery: `X-Gitea-Event` and `X-Gitea-Delivery`, and a push payload shaped as GitHub's
 * (`repository.clone_url`, `ssh_url`, `html_url`). https://docs.gitea.com/features/webhooks
 */
export function readGiteaEvent(headers: IncomingHttpHeaders, payload: Payload): WebhookEvent | undefined {
  const delivery = headerValue(headers, 'x-gitea-delivery');
  const event = headerValue(headers, 'x-gitea-event') ?? '';
  if (event !== 'push') return { kind: 'ignored', source: 'gitea', delivery, event };
  return readPush('gitea', delivery, payload, urlsOf(payload.repository, GITHUB_REPOSITORY_URLS));
}

/**
 * A GitLab delivery: `X-Gitlab-Event` (`Push Hook`, `Tag Push Hook`) and `X-Gitlab-Event-UUID`;
 * a push names its repository under `project` (`git_http_url`, `git_ssh_url`, `web_url`) and
 * `repository` (the same, plus `url` and `homepage`).
 * https://docs.gitlab.com/ee/user/project/integrations/webhook_events.html#push-events
 */
export function readGitlabEvent(headers: IncomingHttpHeaders, payload: Payload): WebhookEvent | undefined {
  const delivery = headerValue(headers, 'x-gitlab-event-uuid');
  const event = headerValue(headers, 'x-gitlab-event') ?? '';
  if (event !== 'Push Hook' && event !== 'Tag Push Hook') {
    return { kind: 'ignored', source: 'gitlab', delivery, event };
  }
  const urls = [
    ...urlsOf(payload.project, GITLAB_PROJECT_URLS),
    ...urlsOf(payload.repository, GITLAB_REPOSITORY_URLS),
  ];
  return readPush('gitlab', delivery, payload, urls);
}

/**
 * A Jenkins Notification plugin message (`{ name, url, build: { number, phase, … } }`, its JSON
 * format). The plugin sends no delivery id, so one is made of what identifies the message and is
 * the same when the plugin retries: the job's path (its full name, unlike `name`), the build
 * number and the phase. Undefined when those are missing.
 */
export function readJenkinsEvent(_headers: IncomingHttpHeaders, payload: Payload): JenkinsEvent | undefined {
  const { url, build } = payload;
  if (typeof url !== 'string' || url === '' || !isObject(build)) return undefined;
  const { number, phase } = build;
  if (typeof number !== 'number' || !Number.isInteger(number) || typeof phase !== 'string') return undefined;
  const delivery = `${url}#${number}:${phase}`;
  return { kind: 'jenkins', source: 'jenkins', delivery, job: url, number, phase, body: payload };
}

function readPush(
  source: WebhookSource,
  delivery: string | undefined,
  payload: Payload,
  urls: string[],
): PushEvent | undefined {
  const { ref, after } = payload;
  if (typeof ref !== 'string' || typeof after !== 'string' || urls.length === 0) return undefined;
  return { kind: 'push', source, delivery, repositoryUrls: [...new Set(urls)], ref, after };
}

function urlsOf(value: unknown, fields: readonly string[]): string[] {
  if (!isObject(value)) return [];
  const urls: string[] = [];
  for (const field of fields) {
    const url = value[field];
    if (typeof url === 'string' && url !== '') urls.push(url);
  }
  return urls;
}

function isObject(value: unknown): value is Payload {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
