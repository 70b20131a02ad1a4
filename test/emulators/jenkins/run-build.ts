import type { Build } from './build.js';
import type { CredentialStore } from './credentials.js';
import { fullNameOf, relativeUrlOf } from './items.js';
import { deliver, jobState, type NotificationPhase } from './notify.js';
import { CompileError } from './pipeline/lexer.js';
import { declaredParameters } from './pipeline/parameters.js';
import { parsePipeline } from './pipeline/parser.js';
import { type PipelineOutcome, runPipeline } from './pipeline/runner.js';

/** What a build needs from the emulator around it. */
export interface BuildRunContext {
  rootUrl: string;
  /** Notification endpoints of the whole emulator (the `notifyUrl` option). */
  notifyUrls: readonly string[];
  /** Jenkins' credentials, for `credentials('id')` and a checkout's `credentialsId`. */
  credentials: CredentialStore;
  /** A workspace for the job, `<root>/workspace/<full name>` (`@2` … while another build holds it). */
  acquireWorkspace(build: Build): { path: string; release(): void };
}

/**
 * One build from start to end, in WorkflowRun's order (jenkinsci/workflow-job-plugin
 * WorkflowRun.java): "Started by …", the notification plugin's QUEUED and STARTED
 * (JobListener.onStarted), the script; then `finish()`: result set and `completed`, the COMPLETED
 * listeners (so a COMPLETED notification can arrive while the console is still open),
 * `Finished: <result>`, the log closed, and FINALIZED (`onEndBuilding`).
 */
export async function executeBuild(build: Build, context: BuildRunContext): Promise<void> {
  const println = (line: string): void => build.println(line);
  const urls = [...context.notifyUrls, ...build.job.config.notifyUrls];
  const notify = async (
    phase: NotificationPhase,
    timestamp: number,
    log?: (line: string) => void,
  ): Promise<void> => {
    for (const url of urls) await deliver(url, jobState(build, phase, context.rootUrl, timestamp), log);
  };
  println(`Started by user ${build.startedBy}`);
  await notify('QUEUED', build.queuedAt);
  await notify('STARTED', build.timestamp, println);
  const workspace = context.acquireWorkspace(build);
  let outcome: PipelineOutcome;
  try {
    outcome = await run(build, workspace.path, context);
  } catch (error) {
    println(error instanceof Error ? (error.stack ?? error.message) : String(error));
    outcome = { result: 'FAILURE' };
  } finally {
    workspace.release();
  }
  build.setResult(outcome.result);
  build.completed = true;
  build.duration = Math.max(0, Date.now() - build.timestamp);
  if (outcome.error) println(outcome.error);
  await notify('COMPLETED', build.timestamp + build.duration, println);
  println(`Finished: ${build.result}`);
  build.logClosed = true;
  await notify('FINALIZED', Date.now());
}

async function run(build: Build, workspace: string, context: BuildRunContext): Promise<PipelineOutcome> {
  const config = build.job.config;
  if (build.abort.signal.aborted) return { result: 'ABORTED' };
  if (config.kind !== 'pipeline') {
    return {
      result: 'FAILURE',
      error: `ERROR: the Jenkins emulator runs Pipeline jobs only, not <${config.rootElement}>`,
    };
  }
  if (config.script === undefined) {
    const definition = config.definitionClass ?? 'a job without a definition';
    return {
      result: 'FAILURE',
      error: `ERROR: the Jenkins emulator runs inline Pipeline scripts only, not ${definition}`,
    };
  }
  let pipeline: ReturnType<typeof parsePipeline>;
  try {
    pipeline = parsePipeline(config.script);
    if (pipeline.parameters.length > 0) config.parameters = declaredParameters(pipeline.parameters);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    build.write(compilationFailure(error, config.script));
    return { result: 'FAILURE' };
  }
  const params = Object.fromEntries(build.parameters.map((parameter) => [parameter.name, parameter.value]));
  const previous = build.job.builds.filter((other) => other.number < build.number && !other.building).at(-1);
  return runPipeline(pipeline, {
    workspace,
    params,
    env: { ...jenkinsEnvironment(build, workspace, context.rootUrl), ...params },
    credentials: context.credentials,
    signal: build.abort.signal,
    previousResult: previous?.result ?? null,
    write: (text) => build.write(text),
    checkedOut: (result) => {
      build.scm = result;
    },
  });
}

/** PATH and HOME of this process, and the variables Jenkins gives every build (`EnvVars`, `Run.getEnvironment`). */
function jenkinsEnvironment(build: Build, workspace: string, rootUrl: string): Record<string, string> {
  const fullName = fullNameOf(build.job);
  const jobUrl = `${rootUrl}${relativeUrlOf(build.job)}`;
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    BUILD_NUMBER: String(build.number),
    BUILD_ID: String(build.number),
    BUILD_DISPLAY_NAME: `#${build.number}`,
    BUILD_TAG: `jenkins-${fullName.replaceAll('/', '-')}-${build.number}`,
    BUILD_URL: `${jobUrl}${build.number}/`,
    JOB_NAME: fullName,
    JOB_BASE_NAME: build.job.name,
    JOB_URL: jobUrl,
    JENKINS_URL: rootUrl,
    WORKSPACE: workspace,
    NODE_NAME: 'built-in',
    NODE_LABELS: 'built-in',
    EXECUTOR_NUMBER: '0',
  };
}

/** How Pipeline prints a script that does not compile (Groovy's MultipleCompilationErrorsException). */
function compilationFailure(error: CompileError, script: string): string {
  const source = script.split('\n')[error.line - 1] ?? '';
  return [
    'org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:',
    `WorkflowScript: ${error.line}: ${error.message} @ line ${error.line}, column ${error.column}.`,
    `   ${source.trimEnd()}`,
    `   ${' '.repeat(Math.max(0, error.column - 1 - (source.length - source.trimStart().length)))}^`,
    '',
    '1 error',
    '',
    '',
  ].join('\n');
}
