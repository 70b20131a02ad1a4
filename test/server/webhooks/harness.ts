import { type FastifyBaseLogger, fastify } from 'fastify';
import type { BuildNotification } from '../../../src/backends/jenkins/notifications.js';
import { Redactor } from '../../../src/log/redact.js';
import type { PushEvent } from '../../../src/server/webhooks/events.js';
import { createFleetMatcher } from '../../../src/server/webhooks/match.js';
import {
  type App,
  registerWebhooks,
  type WebhookOptions,
  type WebhookResult,
} from '../../../src/server/webhooks/routes.js';
import { FLEET_REPO, FLEET_ROOT, githubHeaders, jenkinsNotification, SECRET, testFleet } from './payloads.js';

/** What the daemon was asked to do, and what metrics were told. */
export interface Calls {
  pushes: [string[], PushEvent][];
  fleetPushes: PushEvent[];
  builds: BuildNotification[];
  requests: [string, WebhookResult][];
}

/** What the tests use of an app, whatever its logger. */
export type TestApp = Pick<App, 'inject'>;

const apps: Pick<App, 'close'>[] = [];

/** Closes every app the tests served; call it after each test. */
export async function closeApps(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => app.close()));
}

export function serve(options: Partial<WebhookOptions> = {}) {
  return serveOn(fastify(), options);
}

export function serveOn<L extends FastifyBaseLogger>(app: App<L>, options: Partial<WebhookOptions>) {
  const calls: Calls = { pushes: [], fleetPushes: [], builds: [], requests: [] };
  registerWebhooks(app, {
    secret: SECRET,
    match: createFleetMatcher({ fleet: testFleet(), root: FLEET_ROOT, fleetRepo: FLEET_REPO }),
    onPush: (products, event) => calls.pushes.push([products, event]),
    onFleetPush: (event) => calls.fleetPushes.push(event),
    onJenkins: (notification) => calls.builds.push(notification),
    onRequest: (source, result) => calls.requests.push([source, result]),
    redactor: new Redactor(),
    ...options,
  });
  apps.push(app);
  return { app, calls };
}

/** How many times the daemon was asked to act. */
export function acted(calls: Calls): number {
  return calls.pushes.length + calls.fleetPushes.length + calls.builds.length;
}

export function post(app: TestApp, url: string, body: string, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url, payload: body, headers });
}

export function githubDelivery(app: TestApp, payload: unknown, delivery = 'd-1', event = 'push') {
  const body = JSON.stringify(payload);
  return post(app, '/hooks/github', body, githubHeaders(body, event, delivery));
}

export function jenkinsDelivery(app: TestApp, jobPath: string, phase: string, auth: 'query' | 'header') {
  const body = JSON.stringify(jenkinsNotification(jobPath, phase));
  const url = auth === 'query' ? `/hooks/jenkins?token=${encodeURIComponent(SECRET)}` : '/hooks/jenkins';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth === 'header') headers['x-codemonkeys-token'] = SECRET;
  return post(app, url, body, headers);
}
