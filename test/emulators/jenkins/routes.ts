import { CRUMB_FIELD, crumbFor } from './auth.js';
import { notFound, type RouteContext, requirePost, sendApi, viewOf } from './context.js';
import { send, sendError, sendPage } from './http.js';
import { Folder, type Item, Job } from './items.js';
import { queueItemJson, queueJson, rootJson } from './json-items.js';
import { pluginManagerRoute } from './plugins.js';
import { handleJob } from './routes-builds.js';
import { createItem, handleItemCommon } from './routes-items.js';

/**
 * Stapler URL binding for the part of Jenkins the emulator serves: `/api/json`,
 * `/crumbIssuer/api/json`, `/whoAmI/api/json`, `/pluginManager/api/json`, `/queue/…`, `/createItem`, and items under
 * `/job/<name>` (folders nest: `/job/<folder>/job/<name>`). Anything else is 404.
 */
export function route(ctx: RouteContext, crumbSalt: string): void {
  const segments = ctx.request.url.pathname.split('/').filter(Boolean).map(decodeSegment);
  const [first] = segments;
  if (first === 'crumbIssuer' || first === 'whoAmI') {
    serviceRoute(ctx, segments, crumbSalt);
  } else if (first === 'pluginManager') {
    pluginManagerRoute(ctx, segments.slice(1));
  } else if (first === 'queue') {
    queueRoute(ctx, segments.slice(1));
  } else if (first === 'createItem' && segments.length === 1) {
    createItem(ctx, ctx.state.root);
  } else {
    itemRoute(ctx, segments);
  }
}

/**
 * `/crumbIssuer/api/json` (hudson/security/csrf/CrumbIssuer.java) and `/whoAmI/api/json`
 * (hudson/security/WhoAmI.java, an UnprotectedRootAction exporting the caller's name, whether it
 * is authenticated or anonymous, its details and its authorities).
 */
function serviceRoute(ctx: RouteContext, segments: string[], crumbSalt: string): void {
  const [first, ...rest] = segments;
  const api = rest.join('/') === 'api/json';
  if (first === 'crumbIssuer' && api) {
    sendApi(ctx, {
      _class: 'hudson.security.csrf.DefaultCrumbIssuer',
      crumb: crumbFor(ctx.user, '127.0.0.1', crumbSalt),
      crumbRequestField: CRUMB_FIELD,
    });
  } else if (first === 'whoAmI' && api) {
    sendApi(ctx, {
      _class: 'hudson.security.WhoAmI',
      anonymous: false,
      authenticated: true,
      authorities: ['authenticated'],
      details: null,
      name: ctx.user,
    });
  } else {
    notFound(ctx);
  }
}

/** Walks `/job/<name>` segments to an item, then lets the item's handlers answer the rest. */
function itemRoute(ctx: RouteContext, segments: string[]): void {
  let item: Item = ctx.state.root;
  let at = 0;
  while (segments[at] === 'job' && segments[at + 1] !== undefined) {
    const child: Item | undefined =
      item instanceof Folder ? item.children.get(segments[at + 1] as string) : undefined;
    if (!child) {
      notFound(ctx);
      return;
    }
    item = child;
    at += 2;
  }
  const rest = segments.slice(at);
  if (item === ctx.state.root) {
    rootRoute(ctx, rest);
  } else if (!handleItemCommon(ctx, item, rest) && !(item instanceof Job && handleJob(ctx, item, rest))) {
    notFound(ctx);
  }
}

function rootRoute(ctx: RouteContext, rest: string[]): void {
  const path = rest.join('/');
  if (path === '') sendPage(ctx.res, 'Dashboard');
  else if (path === 'api/json') sendApi(ctx, rootJson(ctx.state.root, viewOf(ctx)));
  else notFound(ctx);
}

/**
 * hudson/model/Queue.java: `/queue/api/json`, `/queue/item/<id>/api/json` (404 for an id the
 * queue does not know), `POST /queue/cancelItem?id=<id>` and `POST /queue/item/<id>/cancelQueue`
 * (204 when cancelled, 422 when the item already left the queue).
 */
function queueRoute(ctx: RouteContext, rest: string[]): void {
  const path = rest.join('/');
  const [, id, ...tail] = rest;
  const item = rest[0] === 'item' && /^\d+$/.test(id ?? '') ? ctx.state.queue.item(Number(id)) : undefined;
  const action = tail.join('/');
  if (path === 'api/json') sendApi(ctx, queueJson(viewOf(ctx)));
  else if (path === 'cancelItem') cancel(ctx, Number(ctx.request.params.get('id')));
  else if (!item) notFound(ctx);
  else if (action === '') sendPage(ctx.res, `Queue item ${item.id}`);
  else if (action === 'api/json') sendApi(ctx, queueItemJson(item, viewOf(ctx)));
  else if (action === 'cancelQueue') cancel(ctx, item.id);
  else notFound(ctx);
}

function cancel(ctx: RouteContext, id: number): void {
  if (!requirePost(ctx)) return;
  const path = ctx.request.url.pathname;
  if (!ctx.state.queue.item(id))
    sendError(ctx.res, 404, `Provided queue item id (${id}) could not be found`, path);
  else if (!ctx.state.queue.cancel(id))
    sendError(ctx.res, 422, `Item for id (${id}) is not cancellable`, path);
  else send(ctx.res, 204, '');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
