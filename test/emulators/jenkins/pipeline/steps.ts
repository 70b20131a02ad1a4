import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CredentialStore } from '../credentials.js';
import { type CheckoutResult, checkout, StepFailure } from './checkout.js';
import { replaceMacro } from './environment.js';
import { evaluateCall, groovyString, type Scope, ScriptError } from './expressions.js';
import type { CallValue, Step } from './model.js';
import { runShell } from './shell.js';

/** What steps run with; block steps (`dir`, `withEnv`, `timeout`) run their body in a changed copy. */
export interface StepContext {
  cwd: string;
  workspace: string;
  params: Record<string, string>;
  env: Record<string, string>;
  signal: AbortSignal;
  /** Jenkins' credentials, for a checkout's `credentialsId`. */
  credentials: CredentialStore;
  write(text: string): void;
  /** The checkout step reports what it checked out (for the notification plugin's `scm`). */
  checkedOut(result: CheckoutResult): void;
}

/** The steps the emulator knows, listed in its `No such DSL method` message. */
export const STEP_NAMES = [
  'archiveArtifacts',
  'checkout',
  'dir',
  'echo',
  'error',
  'git',
  'junit',
  'sh',
  'timeout',
  'withEnv',
];

const TIME_UNITS: Record<string, number> = {
  NANOSECONDS: 1e-6,
  MICROSECONDS: 1e-3,
  MILLISECONDS: 1,
  SECONDS: 1_000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};

/** Runs steps in order; the first failure (a StepFailure) stops them. */
export async function runSteps(steps: Step[], context: StepContext): Promise<void> {
  for (const step of steps) {
    if (context.signal.aborted) throw new StepFailure('', 'ABORTED');
    await runStep(step, context);
  }
}

async function runStep(step: Step, context: StepContext): Promise<void> {
  const scope: Scope = { params: context.params, env: context.env };
  const args = evaluateCall(step.name, step.args, scope);
  const println = (line: string): void => context.write(`${line}\n`);
  switch (step.name) {
    case 'sh':
      return shell(args, context);
    case 'echo':
      println('[Pipeline] echo');
      println(groovyString(args.positional[0] ?? args.named.message ?? null));
      return;
    case 'error':
      println('[Pipeline] error');
      throw new StepFailure(groovyString(args.positional[0] ?? args.named.message ?? null));
    case 'checkout':
    case 'git':
      println(`[Pipeline] ${step.name}`);
      context.checkedOut(await checkout(args, { ...context, workspace: context.cwd }));
      return;
    // Accepted and ignored: the emulator keeps no test reports and no artifacts.
    case 'junit':
    case 'archiveArtifacts':
      println(`[Pipeline] ${step.name}`);
      return;
    case 'dir':
    case 'withEnv':
    case 'timeout':
      return blockStep(step, args, context);
    default:
      throw new ScriptError(
        `java.lang.NoSuchMethodError: No such DSL method '${step.name}' found among steps [${STEP_NAMES.join(', ')}]`,
      );
  }
}

/** `sh 'script'`, `sh script: '…', label: '…'`. */
async function shell(args: CallValue, context: StepContext): Promise<void> {
  const script = args.positional[0] ?? args.named.script;
  if (typeof script !== 'string')
    throw new StepFailure("sh: a script is required (sh 'command' or sh script: 'command')");
  for (const option of ['returnStatus', 'returnStdout']) {
    if (args.named[option]) throw new StepFailure(`sh: ${option} is not supported by the Jenkins emulator`);
  }
  const label = args.named.label;
  context.write(typeof label === 'string' && label ? `[Pipeline] sh (${label})\n` : '[Pipeline] sh\n');
  const outcome = await runShell(script, {
    cwd: context.cwd,
    controlRoot: `${context.workspace}@tmp`,
    env: context.env,
    signal: context.signal,
    write: context.write,
  });
  if (outcome.interrupted || context.signal.aborted) {
    context.write(`script returned exit code ${outcome.exitCode}\n`);
    throw new StepFailure('', 'ABORTED');
  }
  if (outcome.exitCode !== 0) throw new StepFailure(`script returned exit code ${outcome.exitCode}`);
}

async function blockStep(step: Step, args: CallValue, context: StepContext): Promise<void> {
  const body = step.body ?? [];
  context.write(`[Pipeline] ${step.name}\n[Pipeline] {\n`);
  try {
    if (step.name === 'dir') {
      const path = resolve(context.cwd, groovyString(args.positional[0] ?? args.named.path ?? null));
      mkdirSync(path, { recursive: true });
      context.write(`Running in ${path}\n`);
      await runSteps(body, { ...context, cwd: path });
    } else if (step.name === 'withEnv') {
      const env = { ...context.env };
      const pairs = args.positional[0];
      for (const pair of Array.isArray(pairs) ? pairs : []) {
        const [name, ...rest] = groovyString(pair).split('=');
        if (name) env[name] = replaceMacro(rest.join('='), env);
      }
      await runSteps(body, { ...context, env });
    } else {
      await withTimeout(args, body, context);
    }
  } finally {
    context.write(`[Pipeline] }\n[Pipeline] // ${step.name}\n`);
  }
}

/** `timeout(time: 5, unit: 'MINUTES') { … }`: the body is aborted at the limit, the build ABORTED. */
async function withTimeout(args: CallValue, body: Step[], context: StepContext): Promise<void> {
  const limit = timeoutMs(args);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  context.signal.addEventListener('abort', onAbort, { once: true });
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    context.write('Cancelling nested steps due to timeout\n');
    controller.abort();
  }, limit);
  try {
    await runSteps(body, { ...context, signal: controller.signal });
  } catch (error) {
    if (expired) throw new StepFailure('Timeout has been exceeded', 'ABORTED');
    throw error;
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', onAbort);
  }
}

/** `time` in `unit` (MINUTES unless said otherwise), as the `timeout` step reads them. */
export function timeoutMs(args: CallValue): number {
  const time = Number(args.named.time ?? args.positional[0]);
  const unit = typeof args.named.unit === 'string' ? args.named.unit : 'MINUTES';
  const factor = TIME_UNITS[unit];
  if (!Number.isFinite(time) || factor === undefined)
    throw new StepFailure(`timeout: cannot read time ${String(time)} ${unit}`);
  return time * factor;
}
