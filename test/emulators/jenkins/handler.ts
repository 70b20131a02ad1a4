import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  authenticate,
  crumbAccepted,
  type JenkinsUser,
  sendAuthenticationRequired,
  sendBadCredentials,
} from './auth.js';
import type { JenkinsState } from './context.js';
import { type FaultPlan, failureMessage } from './faults.js';
import { commonHeaders, readRequest, sendError } from './http.js';
import { route } from './routes.js';

/** One request as the request log keeps it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string: `/job/acme/job/widget/api/json`. */
  path: string;
  /** `GET /job/acme/job/widget/api/json`: what `requestCounts()` counts by. */
  key: string;
  query: string;
  status: number;
  at: number;
}

/** The emulator's state and settings, as the request handler needs them. */
export interface HandlerOptions {
  state: JenkinsState;
  users: readonly JenkinsUser[];
  crumbRequired: boolean;
  crumbSalt: string;
  session: string;
  faults: FaultPlan;
  log: RecordedRequest[];
}

/**
 * One HTTP request through the emulated Jenkins, in the order of its servlet filters: injected
 * faults first (they stand for a proxy or a Jenkins that is not ready), then authentication
 * (BasicHeaderProcessor), CSRF (CrumbFilter), and Stapler's dispatch.
 */
export async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: HandlerOptions,
): Promise<void> {
  const method = req.method ?? 'GET';
  const raw = req.url ?? '/';
  const mark = raw.indexOf('?');
  const path = mark < 0 ? raw : raw.slice(0, mark);
  const record: RecordedRequest = {
    method,
    path,
    key: `${method} ${path}`,
    query: mark < 0 ? '' : raw.slice(mark + 1),
    status: 0,
    at: Date.now(),
  };
  options.log.push(record);
  res.on('finish', () => {
    record.status = res.statusCode;
  });
  for (const [name, value] of Object.entries(commonHeaders(options.session))) res.setHeader(name, value);
  try {
    const request = await readRequest(req, options.state.rootUrl);
    const delay = options.faults.takeDelay();
    if (delay > 0) await sleep(delay);
    const failure = options.faults.takeFailure({ method, path });
    if (failure) {
      const headers: Record<string, string> = {};
      if (failure.retryAfterSeconds !== undefined) headers['Retry-After'] = String(failure.retryAfterSeconds);
      return sendError(res, failure.status, failureMessage(failure.status), request.url.pathname, headers);
    }
    const auth = authenticate(request, options.users);
    if (auth.kind === 'invalid') return sendBadCredentials(res, auth.message, request.url.pathname);
    const crumbOk = crumbAccepted(request, auth, {
      crumbRequired: options.crumbRequired,
      salt: options.crumbSalt,
      clientIp: '127.0.0.1',
    });
    if (!crumbOk)
      return sendError(res, 403, 'No valid crumb was included in the request', request.url.pathname);
    if (auth.kind === 'anonymous') return sendAuthenticationRequired(res, request);
    route({ state: options.state, request, res, user: auth.name, via: auth.via }, options.crumbSalt);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    sendError(res, 500, message, record.path);
  }
}
