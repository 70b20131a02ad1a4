import { mkdirSync, rmSync } from 'node:fs';
import { type BuildResult, isWorse } from '../build.js';
import type { CredentialStore } from '../credentials.js';
import { type CheckoutResult, StepFailure } from './checkout.js';
import { Secrets, withEnvironment } from './environment.js';
import { evaluateCall, type Scope } from './expressions.js';
import type { Pipeline, PostBlock, Stage } from './model.js';
import { runSteps, type StepContext, timeoutMs } from './steps.js';

/** Where and with what a pipeline runs, and where its console output goes. */
export interface PipelineContext {
  workspace: string;
  params: Record<string, string>;
  /** The environment every `sh` gets: PATH, HOME, the build's Jenkins variables and parameters. */
  env: Record<string, string>;
  /** Jenkins' credentials, for `credentials('id')` and a checkout's `credentialsId`. */
  credentials: CredentialStore;
  signal: AbortSignal;
  /** The previous completed build's result, for `changed`, `fixed` and `regression`. */
  previousResult: BuildResult | null;
  write(text: string): void;
  checkedOut(result: CheckoutResult): void;
}

/** The build's result, and what to print about its first failure. */
export interface PipelineOutcome {
  result: BuildResult;
  /** The first failure, as printed before `Finished:` (`ERROR: script returned exit code 1`). */
  error?: string;
}

/** What the stages of one run share. */
interface RunState {
  result: BuildResult;
  error?: string;
  previous: BuildResult | null;
  secrets: Secrets;
}

/**
 * Runs a declarative pipeline as Declarative Pipeline does (jenkinsci/pipeline-model-definition
 * plugin, ModelInterpreter.groovy): stages in order inside one `node`, each stage's steps until
 * the first failure; once a stage failed the later ones are "skipped due to earlier failure(s)";
 * stage and pipeline `post` conditions run against the result so far. `options { timeout(…) }`
 * bounds the whole run (ABORTED when exceeded).
 */
export async function runPipeline(pipeline: Pipeline, context: PipelineContext): Promise<PipelineOutcome> {
  const state: RunState = {
    result: 'SUCCESS',
    previous: context.previousResult,
    secrets: new Secrets(context.credentials),
  };
  const write = (text: string): void => context.write(state.secrets.mask(text));
  const println = (line: string): void => write(`${line}\n`);
  const controller = new AbortController();
  const forward = (): void => controller.abort();
  context.signal.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const scope: Scope = { params: context.params, env: context.env };
    const limit = pipelineTimeout(pipeline, scope);
    if (limit !== undefined) {
      timer = setTimeout(() => {
        println('Cancelling nested steps due to timeout');
        state.error ??= 'Timeout has been exceeded';
        controller.abort();
      }, limit);
    }
    rmSync(context.workspace, { recursive: true, force: true });
    mkdirSync(context.workspace, { recursive: true });
    mkdirSync(`${context.workspace}@tmp`, { recursive: true });
    println('[Pipeline] Start of Pipeline');
    println('[Pipeline] node');
    println(`Running on Jenkins in ${context.workspace}`);
    println('[Pipeline] {');
    const env = withEnvironment(context.env, pipeline.environment, scope, state.secrets);
    const steps: StepContext = { ...context, cwd: context.workspace, env, signal: controller.signal, write };
    await block(pipeline.environment.length > 0 ? 'withEnv' : undefined, println, async () => {
      for (const stage of pipeline.stages) await runStage(stage, steps, state);
      if (pipeline.post.length > 0) {
        await inStage('Declarative: Post Actions', println, () => runPost(pipeline.post, steps, state));
      }
    });
    println('[Pipeline] }');
    println('[Pipeline] // node');
    println('[Pipeline] End of Pipeline');
  } catch (error) {
    fail(state, error);
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', forward);
  }
  if (context.signal.aborted || controller.signal.aborted) state.result = 'ABORTED';
  return state.error === undefined ? { result: state.result } : { result: state.result, error: state.error };
}

async function runStage(stage: Stage, context: StepContext, state: RunState): Promise<void> {
  const println = (line: string): void => context.write(`${line}\n`);
  await inStage(stage.name, println, async () => {
    if (state.result !== 'SUCCESS' || context.signal.aborted) {
      println(`Stage "${stage.name}" skipped due to earlier failure(s)`);
      return;
    }
    await block(stage.environment.length > 0 ? 'withEnv' : undefined, println, async () => {
      let stageContext = context;
      try {
        const scope = { params: context.params, env: context.env };
        stageContext = {
          ...context,
          env: withEnvironment(context.env, stage.environment, scope, state.secrets),
        };
        await runSteps(stage.steps, stageContext);
      } catch (error) {
        fail(state, error);
      }
      if (stage.post.length > 0) await runPost(stage.post, stageContext, state);
    });
  });
}

async function runPost(blocks: PostBlock[], context: StepContext, state: RunState): Promise<void> {
  for (const post of blocks) {
    if (!conditionHolds(post.condition, state.result, state.previous)) continue;
    // After an abort, post conditions still run (Declarative catches the interruption first).
    const signal = context.signal.aborted ? new AbortController().signal : context.signal;
    try {
      await runSteps(post.steps, { ...context, signal });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.write(`Error when executing ${post.condition} post condition:\n${message}\n`);
      fail(state, error);
    }
  }
}

/** Declarative's `BuildCondition`s, for the result so far and the previous build's. */
function conditionHolds(condition: string, result: BuildResult, previous: BuildResult | null): boolean {
  switch (condition) {
    case 'always':
    case 'cleanup':
      return true;
    case 'success':
    case 'unstable':
    case 'failure':
    case 'aborted':
      return result === condition.toUpperCase();
    case 'notBuilt':
      return result === 'NOT_BUILT';
    case 'unsuccessful':
      return result !== 'SUCCESS';
    case 'changed':
      return previous !== null && previous !== result;
    case 'fixed':
      return result === 'SUCCESS' && (previous === 'FAILURE' || previous === 'UNSTABLE');
    case 'regression':
      return previous !== null && isWorse(result, previous);
    default:
      return false;
  }
}

async function inStage(
  name: string,
  println: (line: string) => void,
  body: () => Promise<void>,
): Promise<void> {
  println('[Pipeline] stage');
  println(`[Pipeline] { (${name})`);
  try {
    await body();
  } finally {
    println('[Pipeline] }');
    println('[Pipeline] // stage');
  }
}

async function block(
  step: string | undefined,
  println: (line: string) => void,
  body: () => Promise<void>,
): Promise<void> {
  if (!step) return body();
  println(`[Pipeline] ${step}`);
  println('[Pipeline] {');
  try {
    await body();
  } finally {
    println('[Pipeline] }');
    println(`[Pipeline] // ${step}`);
  }
}

/**
 * Records a failure; the first one is what the build ends with. Like WorkflowRun.finish: an
 * AbortException (our StepFailure) prints as `ERROR: <message>`, an interruption prints its cause
 * (`Timeout has been exceeded`) or nothing, any other exception as its `toString()` and a frame.
 */
function fail(state: RunState, error: unknown): void {
  const result = error instanceof StepFailure ? error.result : 'FAILURE';
  if (isWorse(result, state.result)) state.result = result;
  const message = error instanceof Error ? error.message : String(error);
  if (!message) return;
  if (error instanceof StepFailure) state.error ??= result === 'ABORTED' ? message : `ERROR: ${message}`;
  else state.error ??= `${message}\n\tat WorkflowScript.run(WorkflowScript)`;
}

function pipelineTimeout(pipeline: Pipeline, scope: Scope): number | undefined {
  const option = pipeline.options.find((step) => step.name === 'timeout');
  return option ? timeoutMs(evaluateCall(option.name, option.args, scope)) : undefined;
}
