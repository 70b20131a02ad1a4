import { parseConfig } from './config-xml.js';
import { failure, type RouteContext, requirePost, sendApi, serverError, viewOf } from './context.js';
import { redirect, send, sendPage } from './http.js';
import { badNameMessage, Folder, fullNameOf, type Item, Job, relativeUrlOf, resolveItem } from './items.js';
import { itemJson } from './json-items.js';

/** config.xml of an item created empty by `mode=<type>`, as Jenkins would save it. */
const EMPTY_CONFIGS: Record<string, string> = {
  'org.jenkinsci.plugins.workflow.job.WorkflowJob':
    "<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition plugin=\"workflow-job\">\n  <keepDependencies>false</keepDependencies>\n  <properties/>\n  <triggers/>\n  <disabled>false</disabled>\n</flow-definition>",
  'com.cloudbees.hudson.plugins.folder.Folder':
    "<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.hudson.plugins.folder.Folder plugin=\"cloudbees-folder\">\n  <properties/>\n  <healthMetrics/>\n</com.cloudbees.hudson.plugins.folder.Folder>",
  'hudson.model.FreeStyleProject':
    "<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <keepDependencies>false</keepDependencies>\n  <properties/>\n  <disabled>false</disabled>\n  <builders/>\n</project>",
};

/** The requests every item answers: its page, `api/json`, `config.xml`, `doDelete`. */
export function handleItemCommon(ctx: RouteContext, item: Item, rest: string[]): boolean {
  const [first, second] = rest;
  if (rest.length === 0) {
    sendPage(ctx.res, fullNameOf(item));
  } else if (first === 'api' && second === 'json' && rest.length === 2) {
    sendApi(ctx, itemJson(item, viewOf(ctx)));
  } else if (first === 'config.xml' && rest.length === 1) {
    configXml(ctx, item);
  } else if (first === 'doDelete' && rest.length === 1) {
    if (!requirePost(ctx)) return true;
    ctx.state.removeItem(item);
    redirect(ctx.res, 302, `${ctx.state.rootUrl}${item.parent ? relativeUrlOf(item.parent) : ''}`);
  } else if (first === 'createItem' && rest.length === 1 && item instanceof Folder) {
    createItem(ctx, item);
  } else {
    return false;
  }
  return true;
}

/**
 * `AbstractItem.doConfigDotXml` (jenkinsci/jenkins core/src/main/java/hudson/model/AbstractItem.java):
 * GET serves the stored config.xml as `application/xml`; POST replaces it (`updateByXml`), and a
 * document of another item type is refused ("Expecting … but got … instead", HTTP 500).
 */
function configXml(ctx: RouteContext, item: Item): void {
  if (ctx.request.method === 'GET') {
    send(ctx.res, 200, item.configXml, { 'Content-Type': 'application/xml' });
    return;
  }
  if (ctx.request.method !== 'POST') {
    failure(ctx, 'Bad Request');
    return;
  }
  const xml = ctx.request.body.toString('utf8');
  const parsed = parseConfig(xml);
  const current = item instanceof Folder ? 'folder' : item.config.kind;
  if ('error' in parsed) {
    serverError(ctx, `java.io.IOException: ${parsed.error}`);
  } else if (parsed.kind !== current) {
    serverError(
      ctx,
      `java.io.IOException: Expecting ${current} but got ${parsed.kind} (<${parsed.rootElement}>) instead`,
    );
  } else {
    item.configXml = xml;
    item.config = parsed;
    send(ctx.res, 200, '');
  }
}

/**
 * `ItemGroupMixIn.createTopLevelItem` (core/src/main/java/hudson/model/ItemGroupMixIn.java),
 * at `/createItem` and `/job/<folder>/createItem`: `name` is required and checked
 * (`Jenkins.checkGoodName`); `mode=copy&from=<item>` copies; an `application/xml` or `text/xml`
 * body is the new item's config.xml (HTTP 200, a folder when its root element is
 * `com.cloudbees.hudson.plugins.folder.Folder`); otherwise `mode=<type>` creates an empty item
 * and redirects to its configure page. Problems are `Failure`s (HTTP 400 with the message);
 * config.xml Jenkins cannot load is an IOException (HTTP 500).
 */
export function createItem(ctx: RouteContext, parent: Folder): void {
  if (!requirePost(ctx)) return;
  const plan = planItem(ctx, parent);
  if ('failure' in plan) {
    failure(ctx, plan.failure);
    return;
  }
  const parsed = parseConfig(plan.xml);
  if ('error' in parsed) {
    serverError(ctx, `java.io.IOException: ${parsed.error}`);
    return;
  }
  const item =
    parsed.kind === 'folder'
      ? new Folder(plan.name, parent, plan.xml, parsed)
      : new Job(plan.name, parent, plan.xml, parsed);
  parent.children.set(plan.name, item);
  if (plan.fromXml) send(ctx.res, 200, '');
  else redirect(ctx.res, 302, `${ctx.state.rootUrl}${relativeUrlOf(item)}configure`);
}

/** The new item's name and config.xml, or the `Failure` message Jenkins would answer with. */
function planItem(
  ctx: RouteContext,
  parent: Folder,
): { name: string; xml: string; fromXml: boolean } | { failure: string } {
  const { params, contentType } = ctx.request;
  const mode = params.get('mode');
  if (!contentType && mode !== 'copy') return { failure: 'No Content-Type header set' };
  const rawName = params.get('name');
  const problem = badNameMessage(rawName);
  if (problem || rawName === null) return { failure: problem ?? "Query parameter 'name' is required" };
  const name = rawName.trim();
  if (parent.children.has(name)) return { failure: `A job already exists with the name ‘${name}’` };
  if (mode === 'copy') {
    const from = params.get('from') ?? '';
    const path = from.split('/').filter(Boolean);
    const source = from.startsWith('/')
      ? resolveItem(ctx.state.root, path)
      : (parent.children.get(from) ?? resolveItem(ctx.state.root, path));
    if (!source) return { failure: from ? `No such job: ${from}` : 'Specify which job to copy' };
    return { name, xml: source.configXml, fromXml: false };
  }
  if (/^(application|text)\/xml/.test(contentType ?? ''))
    return { name, xml: ctx.request.body.toString('utf8'), fromXml: true };
  if (!mode) return { failure: 'No mode given' };
  const empty = EMPTY_CONFIGS[mode];
  if (!empty) return { failure: `No item type ‘${mode}’ is known` };
  return { name, xml: empty, fromXml: false };
}
