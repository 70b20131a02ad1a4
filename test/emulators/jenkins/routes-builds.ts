import type { Build, ParameterValue } from './build.js';
import { notFound, type RouteContext, requirePost, sendApi } from './context.js';
import { redirect, send, sendError, sendPage } from './http.js';
import { fullNameOf, type Job } from './items.js';
import { buildUrl, runJson } from './json-runs.js';

const PERMALINKS: Record<string, (build: Build) => boolean> = {
  lastBuild: () => true,
  lastCompletedBuild: (build) => !build.building,
  lastSuccessfulBuild: (build) =>
    !build.building && (build.result === 'SUCCESS' || build.result === 'UNSTABLE'),
  lastStableBuild: (build) => !build.building && build.result === 'SUCCESS',
  lastFailedBuild: (build) => !build.building && build.result === 'FAILURE',
  lastUnsuccessfulBuild: (build) => !build.building && build.result !== 'SUCCESS',
  lastUnstableBuild: (build) => !build.building && build.result === 'UNSTABLE',
};

/** Requests only jobs answer: triggering builds and everything under `<job>/<number>/`. */
export function handleJob(ctx: RouteContext, job: Job, rest: string[]): boolean {
  const [first] = rest;
  if (rest.length === 1 && (first === 'buildWithParameters' || first === 'build')) {
    trigger(ctx, job, first);
    return true;
  }
  if (first === undefined) return false;
  const build = resolveBuild(job, first);
  if (!build) return false;
  handleBuild(ctx, build, rest.slice(1));
  return true;
}

function resolveBuild(job: Job, segment: string): Build | undefined {
  if (/^\d+$/.test(segment)) return job.build(Number(segment));
  if (segment === 'firstBuild') return job.builds[0];
  const matches = PERMALINKS[segment];
  return matches ? [...job.builds].reverse().find(matches) : undefined;
}

/**
 * `ParameterizedJobMixIn.doBuildWithParameters` / `doBuild` and
 * `ParametersDefinitionProperty.buildWithParameters` (jenkinsci/jenkins core): each defined
 * parameter takes the request's value or its default (undefined names are ignored); the item is
 * scheduled with the job's quiet period (or `delay`) and the answer is 201 with `Location:
 * <root>/queue/item/<id>/`. A job without parameters refuses buildWithParameters ("This build is
 * not parameterized!", HTTP 500); a disabled job is "not buildable" (409). It takes POST, or any
 * method when the caller used an API token (hudson/model/BuildAuthorizationToken.checkPermission).
 */
function trigger(ctx: RouteContext, job: Job, action: 'build' | 'buildWithParameters'): void {
  // BuildAuthorizationToken.checkPermission: POST, or any method with an API token.
  if (ctx.via !== 'apiToken' && !requirePost(ctx)) return;
  const path = ctx.request.url.pathname;
  const parameters = job.config.disabled
    ? { status: 409, message: `java.io.IOException: ${fullNameOf(job)} is not buildable!` }
    : requestedParameters(ctx, job, action);
  if ('status' in parameters) {
    sendError(ctx.res, parameters.status, parameters.message, path);
    return;
  }
  const delay = delayMs(ctx.request.params.get('delay'));
  const { item } = ctx.state.queue.schedule(job, parameters, ctx.user, delay);
  redirect(ctx.res, 201, `${ctx.state.rootUrl}queue/item/${item.id}/`);
}

/** The values of the job's parameter definitions, from the request or their defaults. */
function requestedParameters(
  ctx: RouteContext,
  job: Job,
  action: 'build' | 'buildWithParameters',
): ParameterValue[] | { status: number; message: string } {
  const definitions = job.config.parameters;
  let submitted: Map<string, string> | URLSearchParams | undefined = ctx.request.params;
  if (action === 'buildWithParameters' && definitions.length === 0) {
    return { status: 500, message: 'java.lang.IllegalStateException: This build is not parameterized!' };
  }
  if (action === 'build' && definitions.length > 0) {
    submitted = submittedParameters(ctx.request.params.get('json'));
    if (!submitted) return { status: 400, message: 'Nothing is submitted' };
  }
  return definitions.map((definition) => ({
    className: definition.className.replace(/Definition$/, 'Value'),
    name: definition.name,
    value: submitted.get(definition.name) ?? definition.defaultValue,
  }));
}

/** The `json` form field of `/build`: `{"parameter": [{"name": …, "value": …}]}`. */
function submittedParameters(json: string | null): Map<string, string> | undefined {
  if (!json) return undefined;
  try {
    const parsed = JSON.parse(json) as {
      parameter?: { name?: unknown; value?: unknown }[] | { name?: unknown; value?: unknown };
    };
    const list = Array.isArray(parsed.parameter)
      ? parsed.parameter
      : parsed.parameter
        ? [parsed.parameter]
        : [];
    return new Map(list.map((entry) => [String(entry.name), String(entry.value)]));
  } catch {
    return undefined;
  }
}

/** `TimeDuration.fromString`: `10`, `10sec`, `10secs`, `500ms`; seconds unless said otherwise. */
function delayMs(text: string | null): number | undefined {
  if (!text) return undefined;
  const match = /^\s*(\d+)\s*(ms|sec|secs)?\s*$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'ms' ? 1 : 1000);
}

/** `<job>/<n>/…`: the build's page, `api/json`, the console and `stop`. */
function handleBuild(ctx: RouteContext, build: Build, rest: string[]): void {
  switch (rest.join('/')) {
    case '':
      sendPage(ctx.res, `${fullNameOf(build.job)} #${build.number}`);
      break;
    case 'api/json':
      sendApi(ctx, runJson(build, ctx.state.rootUrl));
      break;
    case 'logText/progressiveText':
      progressiveText(ctx, build);
      break;
    case 'consoleText':
      send(ctx.res, 200, build.log(), { 'Content-Type': 'text/plain;charset=utf-8' });
      break;
    case 'stop':
    case 'term':
    case 'kill':
      if (!requirePost(ctx)) break;
      if (build.building) ctx.state.abortBuild(build, ctx.user);
      redirect(ctx.res, 302, buildUrl(build, ctx.state.rootUrl));
      break;
    default:
      notFound(ctx);
  }
}

/**
 * Stapler's `LargeText.doProgressText` (AnnotatedLargeText): text from byte `start`,
 * `X-Text-Size` the offset to ask from next, `X-More-Data: true` while the log may still grow
 * (absent once it is closed).
 */
function progressiveText(ctx: RouteContext, build: Build): void {
  const start = Number.parseInt(ctx.request.params.get('start') ?? '0', 10) || 0;
  const { text, next } = build.logFrom(start);
  const headers: Record<string, string> = {
    'Content-Type': 'text/plain;charset=UTF-8',
    'X-Text-Size': String(next),
  };
  if (!build.logClosed) headers['X-More-Data'] = 'true';
  send(ctx.res, 200, text, headers);
}
