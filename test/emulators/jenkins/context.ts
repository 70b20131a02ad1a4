import type { ServerResponse } from 'node:http';
import { type ModelObject, renderApi } from './api-tree.js';
import type { JenkinsUser } from './auth.js';
import type { Build } from './build.js';
import { type EmulatorRequest, sendError, sendJson } from './http.js';
import type { Folder, Job } from './items.js';
import type { ViewContext } from './json-items.js';
import type { JenkinsPlugin } from './plugins.js';
import type { BuildQueue } from './queue.js';

/** The emulated Jenkins as request handlers see it. */
export interface JenkinsState {
  readonly root: Folder;
  readonly queue: BuildQueue;
  readonly rootUrl: string;
  readonly users: readonly JenkinsUser[];
  /** What the plugin manager lists as installed. */
  readonly plugins: readonly Readonly<JenkinsPlugin>[];
  /** Aborts a running build (`Executor.interrupt`), saying who asked. */
  abortBuild(build: Build, by: string): void;
  /** Removes a job or folder: its builds are aborted and its queue items cancelled. */
  removeItem(item: Folder | Job): void;
}

/** One authenticated request and its response. */
export interface RouteContext {
  readonly state: JenkinsState;
  readonly request: EmulatorRequest;
  readonly res: ServerResponse;
  /** The authenticated user's name. */
  readonly user: string;
  /** How the user authenticated (an API token lifts some POST-only rules). */
  readonly via: 'apiToken' | 'password';
}

/** What the JSON views need from a request. */
export function viewOf(ctx: RouteContext): ViewContext {
  return { rootUrl: ctx.state.rootUrl, queue: ctx.state.queue };
}

/** Answers `api/json` for a model object, honouring `tree`, `depth` and `pretty`. */
export function sendApi(ctx: RouteContext, model: ModelObject): void {
  sendJson(ctx.res, renderApi(model, ctx.request.params));
}

/** Stapler's 404 for a URL nothing binds to (an unknown job, build or queue item). */
export function notFound(ctx: RouteContext): void {
  sendError(ctx.res, 404, 'Not Found', ctx.request.url.pathname);
}

/** Stapler's `@RequirePOST` answer to any other method. */
export function requirePost(ctx: RouteContext): boolean {
  if (ctx.request.method === 'POST') return true;
  sendError(ctx.res, 405, 'This URL requires POST', ctx.request.url.pathname, { Allow: 'POST' });
  return false;
}

/** `Failure`: a message for the user, HTTP 400. */
export function failure(ctx: RouteContext, message: string): void {
  sendError(ctx.res, 400, message, ctx.request.url.pathname);
}

/** An exception Stapler lets through: HTTP 500 with the exception as the message. */
export function serverError(ctx: RouteContext, message: string): void {
  sendError(ctx.res, 500, message, ctx.request.url.pathname);
}
