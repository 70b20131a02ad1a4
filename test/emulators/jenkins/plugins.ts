import { type ModelObject, Ref } from './api-tree.js';
import { sendAccessDenied } from './auth.js';
import { notFound, type RouteContext, sendApi } from './context.js';

/** An installed plugin, as the plugin manager lists it. */
export interface JenkinsPlugin {
  /** The artifact id: `workflow-job`, `git`. */
  shortName: string;
  version: string;
  /** Loaded in this session (false: installed but disabled, or failed to load). Default true. */
  active?: boolean;
  longName?: string;
}

/**
 * The plugins behind what the emulator does, at versions of Jenkins 2.479.1's time (the emulator
 * never compares them): Pipeline jobs (workflow-job, workflow-cps, the declarative
 * pipeline-model-definition), folders (cloudbees-folder), `checkout` (git), `junit`,
 * `credentials()` bindings (credentials, credentials-binding), `sh` (workflow-durable-task-step)
 * and the build phase POSTs (notification).
 */
export const DEFAULT_JENKINS_PLUGINS: readonly Readonly<JenkinsPlugin>[] = [
  { shortName: 'cloudbees-folder', version: '6.955.v81e2a_35c08d3', longName: 'Folders Plugin' },
  { shortName: 'credentials', version: '1389.vd7a_b_f5fa_50a_2', longName: 'Credentials Plugin' },
  { shortName: 'credentials-binding', version: '681.vf91669a_32e45', longName: 'Credentials Binding Plugin' },
  { shortName: 'git', version: '5.6.0', longName: 'Git plugin' },
  { shortName: 'junit', version: '1300.v03d9d8a_cf1fb_', longName: 'JUnit Plugin' },
  { shortName: 'notification', version: '1.17', longName: 'Notification plugin' },
  {
    shortName: 'pipeline-model-definition',
    version: '2.2218.v56d0cda_37c72',
    longName: 'Pipeline: Declarative',
  },
  { shortName: 'workflow-cps', version: '3993.v3e20a_37282f8', longName: 'Pipeline: Groovy' },
  {
    shortName: 'workflow-durable-task-step',
    version: '1378.v6a_3e903058a_3',
    longName: 'Pipeline: Nodes and Processes',
  },
  { shortName: 'workflow-job', version: '1468.vcf4f5ee92395', longName: 'Pipeline: Job' },
];

/**
 * `/pluginManager/api/json` (jenkinsci/jenkins core/src/main/java/hudson/PluginManager.java):
 * `getApi()` checks Overall/SystemRead, which is off unless `jenkins.security.SystemReadPermission`
 * is set, so ACL.checkPermission asks for what implies it, Overall/Administer; `getPlugins()` is
 * `@Exported`. A PluginWrapper (core/src/main/java/hudson/PluginWrapper.java) shows no property
 * at depth 0 (the npm `jenkins` client lists plugins with depth=1 for that reason) and no
 * `_class` (its type is the declared one); its properties come in Stapler's order, by name.
 */
export function pluginManagerRoute(ctx: RouteContext, rest: string[]): void {
  const user = ctx.state.users.find((each) => each.name === ctx.user);
  if (rest.join('/') !== 'api/json') {
    notFound(ctx);
  } else if (user?.admin === false) {
    const administer = { title: 'Overall/Administer', id: 'hudson.model.Hudson.Administer' };
    sendAccessDenied(ctx.res, ctx.user, administer, ctx.request.url.pathname);
  } else {
    sendPluginList(ctx);
  }
}

function sendPluginList(ctx: RouteContext): void {
  sendApi(ctx, {
    _class: 'hudson.LocalPluginManager',
    plugins: ctx.state.plugins.map((plugin) => new Ref({}, () => pluginJson(plugin))),
  });
}

function pluginJson(plugin: Readonly<JenkinsPlugin>): ModelObject {
  const active = plugin.active ?? true;
  return {
    active,
    backupVersion: null,
    bundled: false,
    deleted: false,
    dependencies: [],
    detached: false,
    downgradable: false,
    enabled: active,
    hasUpdate: false,
    longName: plugin.longName ?? plugin.shortName,
    pinned: false,
    requiredCoreVersion: '2.462.3',
    shortName: plugin.shortName,
    supportsDynamicLoad: 'MAYBE',
    url: `https://plugins.jenkins.io/${plugin.shortName}`,
    version: plugin.version,
  };
}
