import { Lazy, type ModelObject, Ref } from './api-tree.js';
import type { Build } from './build.js';
import { Folder, fullDisplayNameOf, fullNameOf, type Item, type Job, relativeUrlOf } from './items.js';
import { buildRef } from './json-runs.js';
import type { BuildQueue, QueueItem } from './queue.js';

/** What the JSON views need besides the item: absolute URLs and the queue. */
export interface ViewContext {
  rootUrl: string;
  queue: BuildQueue;
}

const FOLDER_CLASS = 'com.cloudbees.hudson.plugins.folder.Folder';
const PIPELINE_CLASS = 'org.jenkinsci.plugins.workflow.job.WorkflowJob';
const FREESTYLE_CLASS = 'hudson.model.FreeStyleProject';

/** The `_class` Jenkins reports for an item. */
export function classOf(item: Item): string {
  if (item instanceof Folder) return FOLDER_CLASS;
  return item.config.kind === 'freestyle' ? FREESTYLE_CLASS : PIPELINE_CLASS;
}

/** `hudson.model.Hudson` at `/api/json` (jenkins/model/Jenkins.java exported properties). */
export function rootJson(root: Folder, context: ViewContext): ModelObject {
  return {
    _class: 'hudson.model.Hudson',
    assignedLabels: [{ name: 'built-in' }],
    mode: 'NORMAL',
    nodeDescription: "the Jenkins controller's built-in node",
    nodeName: '',
    numExecutors: context.queue.executors,
    description: null,
    jobs: [...root.children.values()].map((child) => itemRef(child, context)),
    overallLoad: {},
    primaryView: { _class: 'hudson.model.AllView', name: 'all', url: context.rootUrl },
    quietDownReason: null,
    quietingDown: false,
    slaveAgentPort: -1,
    unlabeledLoad: { _class: 'jenkins.model.UnlabeledLoadStatistics' },
    url: context.rootUrl,
    useCrumbs: true,
    useSecurity: true,
    views: [{ _class: 'hudson.model.AllView', name: 'all', url: context.rootUrl }],
  };
}

/** A child in a `jobs` list: `{ _class, name, url, color }` at depth 0 (folders have no color). */
export function itemRef(item: Item, context: ViewContext): Ref {
  const shallow: ModelObject = {
    _class: classOf(item),
    name: item.name,
    url: `${context.rootUrl}${relativeUrlOf(item)}`,
  };
  if (!(item instanceof Folder)) shallow.color = colorOf(item);
  return new Ref(shallow, () => itemJson(item, context));
}

/** `<item>/api/json` of a folder or a job. */
export function itemJson(item: Item, context: ViewContext): ModelObject {
  return item instanceof Folder ? folderJson(item, context) : jobJson(item, context);
}

/** cloudbees-folder's `AbstractFolder` exported properties. */
function folderJson(folder: Folder, context: ViewContext): ModelObject {
  const url = `${context.rootUrl}${relativeUrlOf(folder)}`;
  return {
    _class: FOLDER_CLASS,
    actions: [{}, { _class: 'com.cloudbees.plugins.credentials.ViewCredentialsAction' }],
    description: folder.config?.description || null,
    displayName: folder.name,
    displayNameOrNull: null,
    fullDisplayName: fullDisplayNameOf(folder),
    fullName: fullNameOf(folder),
    name: folder.name,
    url,
    healthReport: [],
    jobs: [...folder.children.values()].map((child) => itemRef(child, context)),
    primaryView: { _class: 'hudson.model.AllView', name: 'All', url },
    views: [{ _class: 'hudson.model.AllView', name: 'All', url }],
  };
}

/**
 * `hudson.model.Job` and `WorkflowJob` exported properties. What walks the builds or the queue is
 * Lazy, computed only when the request's tree or depth asks for it, as Stapler reads a getter.
 */
function jobJson(job: Job, context: ViewContext): ModelObject {
  const last = (match: (build: Build) => boolean): Lazy =>
    new Lazy(() => {
      const found = job.builds.findLast((build) => !build.building && match(build));
      return found ? buildRef(found, context.rootUrl) : null;
    });
  const queued = (): QueueItem | undefined => context.queue.live().find((item) => item.job === job);
  const parameters = parametersProperty(job);
  return {
    _class: classOf(job),
    actions: [
      ...(parameters ? [parameters] : []),
      {},
      {},
      { _class: 'com.cloudbees.plugins.credentials.ViewCredentialsAction' },
    ],
    description: job.config.description || null,
    displayName: job.name,
    displayNameOrNull: null,
    fullDisplayName: fullDisplayNameOf(job),
    fullName: fullNameOf(job),
    name: job.name,
    url: `${context.rootUrl}${relativeUrlOf(job)}`,
    buildable: !job.config.disabled,
    builds: new Lazy(() => [...job.builds].reverse().map((build) => buildRef(build, context.rootUrl))),
    color: new Lazy(() => colorOf(job)),
    firstBuild: new Lazy(() => (job.builds[0] ? buildRef(job.builds[0], context.rootUrl) : null)),
    healthReport: [],
    inQueue: new Lazy(() => queued() !== undefined),
    keepDependencies: false,
    lastBuild: new Lazy(() => {
      const newest = job.builds[job.builds.length - 1];
      return newest ? buildRef(newest, context.rootUrl) : null;
    }),
    lastCompletedBuild: last(() => true),
    lastFailedBuild: last((build) => build.result === 'FAILURE'),
    lastStableBuild: last((build) => build.result === 'SUCCESS'),
    lastSuccessfulBuild: last((build) => build.result === 'SUCCESS' || build.result === 'UNSTABLE'),
    lastUnstableBuild: last((build) => build.result === 'UNSTABLE'),
    lastUnsuccessfulBuild: last((build) => build.result !== 'SUCCESS'),
    nextBuildNumber: job.nextBuildNumber,
    property: parameters ? [parameters] : [],
    queueItem: new Lazy(() => {
      const item = queued();
      return item ? queueItemRef(item, context) : null;
    }),
    concurrentBuild: job.config.concurrentBuilds,
    inProgress: new Lazy(() => job.builds.some((build) => build.building)),
    resumeBlocked: false,
  };
}

/** `ParametersDefinitionProperty`: a job property that is also one of the job's actions. */
function parametersProperty(job: Job): ModelObject | undefined {
  if (job.config.parameters.length === 0) return undefined;
  return {
    _class: 'hudson.model.ParametersDefinitionProperty',
    parameterDefinitions: job.config.parameters.map((definition) => {
      const type = definition.className.split('.').pop() ?? definition.className;
      return {
        _class: definition.className,
        defaultParameterValue: {
          _class: definition.className.replace(/Definition$/, 'Value'),
          name: definition.name,
          value: definition.defaultValue,
        },
        description: definition.description || null,
        name: definition.name,
        type,
      };
    }),
  };
}

/** `BallColor`: the last completed build's result, `_anime` while a build runs. */
export function colorOf(job: Job): string {
  if (job.config.disabled) return 'disabled';
  const running = job.builds.some((build) => build.building);
  const last = job.builds.findLast((build) => !build.building);
  const base = (last && COLORS[last.result ?? 'NOT_BUILT']) || 'notbuilt';
  return running ? `${base}_anime` : base;
}

const COLORS: Record<string, string> = {
  SUCCESS: 'blue',
  UNSTABLE: 'yellow',
  FAILURE: 'red',
  NOT_BUILT: 'notbuilt',
  ABORTED: 'aborted',
};

/** A queue item nested in another object (a job's `queueItem`). */
export function queueItemRef(item: QueueItem, context: ViewContext): Ref {
  return new Ref({ _class: queueClass(item) }, () => queueItemJson(item, context));
}

/** `Queue.Item` and its subclasses' exported properties (hudson/model/Queue.java). */
export function queueItemJson(item: QueueItem, context: ViewContext): ModelObject {
  const json: ModelObject = {
    _class: queueClass(item),
    actions: [
      {
        _class: 'hudson.model.ParametersAction',
        parameters: item.parameters.map((p) => ({ _class: p.className, name: p.name, value: p.value })),
      },
      {
        _class: 'hudson.model.CauseAction',
        causes: [
          {
            _class: 'hudson.model.Cause$UserIdCause',
            shortDescription: `Started by user ${item.startedBy}`,
            userId: item.startedBy,
            userName: item.startedBy,
          },
        ],
      },
    ],
    blocked: item.state === 'blocked',
    buildable: item.state === 'buildable',
    id: item.id,
    inQueueSince: item.inQueueSince,
    params: item.parameters.map((p) => `\n${p.name}=${p.value}`).join(''),
    stuck: false,
    task: itemRef(item.job, context),
    url: `queue/item/${item.id}/`,
    why: context.queue.why(item),
  };
  if (item.state === 'waiting') json.timestamp = item.buildableAt;
  if (item.state === 'buildable') json.pending = false;
  if (item.state === 'left') {
    json.cancelled = item.cancelled;
    json.executable = item.build ? buildRef(item.build, context.rootUrl) : null;
  }
  return json;
}

function queueClass(item: QueueItem): string {
  const names = {
    waiting: 'WaitingItem',
    blocked: 'BlockedItem',
    buildable: 'BuildableItem',
    left: 'LeftItem',
  };
  return `hudson.model.Queue$${names[item.state]}`;
}

/** `/queue/api/json`: the items still in the queue, inline (`Queue.getItems` is exported inline). */
export function queueJson(context: ViewContext): ModelObject {
  return {
    _class: 'hudson.model.Queue',
    discoverableItems: [],
    items: context.queue.live().map((item) => queueItemJson(item, context)),
  };
}
