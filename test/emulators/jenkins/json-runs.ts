import { type ModelObject, Ref } from './api-tree.js';
import type { Build } from './build.js';
import { fullDisplayNameOf, relativeUrlOf } from './items.js';

const RUN_CLASS = 'org.jenkinsci.plugins.workflow.job.WorkflowRun';

/** The absolute URL of a build: `<root>job/<folder>/job/<name>/<number>/`. */
export function buildUrl(build: Build, rootUrl: string): string {
  return `${rootUrl}${relativeUrlOf(build.job)}${build.number}/`;
}

/** A build as another object lists it at depth 0: `{ _class, number, url }` (Run's visibility-2 properties). */
export function buildRef(build: Build, rootUrl: string): Ref {
  return new Ref({ _class: RUN_CLASS, number: build.number, url: buildUrl(build, rootUrl) }, () =>
    runJson(build, rootUrl),
  );
}

/**
 * `<job>/<n>/api/json`: hudson/model/Run.java's exported properties and WorkflowRun's
 * (`inProgress`, `changeSets`, `culprits`). `duration` is 0 while building; `estimatedDuration`
 * is `Job.getEstimatedDuration()`: the mean of up to three recent successful builds, or -1.
 */
export function runJson(build: Build, rootUrl: string): ModelObject {
  const builds = build.job.builds;
  const index = builds.indexOf(build);
  const previous = index > 0 ? builds[index - 1] : undefined;
  const next = index >= 0 ? builds[index + 1] : undefined;
  return {
    _class: RUN_CLASS,
    actions: [
      {
        _class: 'hudson.model.ParametersAction',
        parameters: build.parameters.map((p) => ({ _class: p.className, name: p.name, value: p.value })),
      },
      {
        _class: 'hudson.model.CauseAction',
        causes: [
          {
            _class: 'hudson.model.Cause$UserIdCause',
            shortDescription: `Started by user ${build.startedBy}`,
            userId: build.startedBy,
            userName: build.startedBy,
          },
        ],
      },
      {},
      { _class: 'org.jenkinsci.plugins.workflow.libs.LibrariesAction' },
      {},
      {},
      { _class: 'org.jenkinsci.plugins.workflow.job.views.FlowGraphAction' },
      {},
    ],
    artifacts: [],
    building: build.building,
    description: null,
    displayName: `#${build.number}`,
    duration: build.building ? 0 : build.duration,
    estimatedDuration: estimatedDuration(build),
    executor: build.building ? {} : null,
    fullDisplayName: `${fullDisplayNameOf(build.job)} #${build.number}`,
    id: String(build.number),
    keepLog: false,
    number: build.number,
    queueId: build.queueId,
    result: build.result,
    timestamp: build.timestamp,
    url: buildUrl(build, rootUrl),
    changeSets: [],
    culprits: [],
    inProgress: !build.completed,
    nextBuild: next ? buildRef(next, rootUrl) : null,
    previousBuild: previous ? buildRef(previous, rootUrl) : null,
  };
}

function estimatedDuration(build: Build): number {
  const done = build.job.builds.filter(
    (other) => !other.building && (other.result === 'SUCCESS' || other.result === 'UNSTABLE'),
  );
  const recent = done.slice(-3);
  if (recent.length === 0) return -1;
  let total = 0;
  for (const other of recent) total += other.duration;
  return Math.round(total / recent.length);
}
