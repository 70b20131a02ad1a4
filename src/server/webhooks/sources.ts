import type { IncomingHttpHeaders } from 'node:http';
import {
  readGiteaEvent,
  readGithubEvent,
  readGitlabEvent,
  readJenkinsEvent,
  type WebhookEvent,
} from './events.js';
import type { SignedRequest, WebhookSource } from './request.js';
import { verifyGitea, verifyGithub, verifyGitlab, verifyJenkins } from './verify.js';

/** How one sender's deliveries are received: checked, then read. */
export interface WebhookReceiver {
  /** Whether the request carries the secret: a signature over the raw body, or the token itself. */
  authenticate(request: SignedRequest, secret: string): boolean;
  /** The event an authenticated payload describes; undefined when it is not what its event says. */
  read(headers: IncomingHttpHeaders, payload: Record<string, unknown>): WebhookEvent | undefined;
}

/** Every webhook sender, each served at `POST /hooks/<source>`. */
export const WEBHOOK_RECEIVERS: ReadonlyMap<WebhookSource, WebhookReceiver> = new Map<
  WebhookSource,
  WebhookReceiver
>([
  ['github', { authenticate: verifyGithub, read: readGithubEvent }],
  ['gitea', { authenticate: verifyGitea, read: readGiteaEvent }],
  ['gitlab', { authenticate: verifyGitlab, read: readGitlabEvent }],
  ['jenkins', { authenticate: verifyJenkins, read: readJenkinsEvent }],
]);
