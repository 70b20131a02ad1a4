import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { CodemonkeysError } from '../../errors.js';
import type { Redactor } from '../../log/redact.js';
import { runDetached } from '../../util/detached/run.js';
import { parseCallbackOutput } from './callback.js';
import { buildArgs, buildEnv, checkSecretEnv, locateAnsible, registerSecrets } from './command.js';
import { commandError } from './errors.js';
import { resolveInventory, resolvePlaybook } from './inventory.js';
import { type ProcessOutcome, spawnAnsible } from './process.js';
import {
  ANSIBLE_TIMEOUT_MS,
  type AnsibleRunnerOptions,
  type PlaybookRequest,
  type PlaybookResult,
} from './runner.js';
import { createWorkspace } from './workspace.js';

/** The runner's options with the redactor settled. */
export type RunSettings = AnsibleRunnerOptions & { redactor: Redactor };

/** Exit codes with which ansible-playbook refuses a playbook (parser error) or its options. */
const INVALID_EXIT_CODES = new Set([4, 5]);

/** Runs a playbook with `--check --diff` or for real, and reads its per-host, per-task results. */
export async function runPlaybook(
  mode: 'check' | 'apply',
  request: PlaybookRequest,
  settings: RunSettings,
): Promise<PlaybookResult> {
  const started = performance.now();
  const modeArgs = mode === 'check' ? ['--check', '--diff'] : ['--diff'];
  const { outcome, command, playbook } = await execute(modeArgs, request, settings);
  const parsed = parseCallbackOutput(outcome.stdout);
  const name = basename(playbook);
  if (!parsed) {
    const invalid = outcome.exitCode !== null && INVALID_EXIT_CODES.has(outcome.exitCode);
    const reason = invalid ? 'AnsiblePlaybookInvalid' : 'AnsibleFailed';
    throw commandError(
      `playbook ${name} did not run`,
      command,
      outcome,
      settings.redactor,
      reason,
      'stalled',
    );
  }
  // Redacted before `failures` is picked out of `tasks`: the redactor takes an object met twice for a cycle.
  const tasks = settings.redactor.redactValue(parsed.tasks);
  const failures = tasks.filter(
    (task) => task.status === 'unreachable' || (task.status === 'failed' && !task.ignored),
  );
  // A run that ended badly without a failed task (an include that could not be read, a crash
  // after the recap) must not pass for a success.
  if (failures.length === 0 && outcome.exitCode !== 0) {
    const message = `playbook ${name} ended badly with no failed task`;
    throw commandError(message, command, outcome, settings.redactor, 'AnsibleFailed', 'stalled');
  }
  const result: PlaybookResult = {
    mode,
    playbook,
    command,
    tasks,
    hosts: parsed.hosts,
    customStats: settings.redactor.redactValue(parsed.customStats),
    changed: tasks.some((task) => task.status === 'changed'),
    failures,
    exitCode: outcome.exitCode,
    durationMs: Math.round(performance.now() - started),
    warnings: warningsOf(settings.redactor.redactText(outcome.stderr)),
  };
  settings.logger?.info(
    {
      playbook: name,
      mode,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      changed: result.changed,
      failures: failures.length,
    },
    'ansible-playbook finished',
  );
  return result;
}

/** `--syntax-check`: resolves when Ansible parses the playbook, else throws stalled `AnsiblePlaybookInvalid`. */
export async function runSyntaxCheck(request: PlaybookRequest, settings: RunSettings): Promise<void> {
  const { outcome, command, playbook } = await execute(['--syntax-check'], request, settings);
  if (outcome.exitCode === 0) return;
  const message = `playbook ${basename(playbook)} does not pass --syntax-check`;
  throw commandError(message, command, outcome, settings.redactor, 'AnsiblePlaybookInvalid', 'stalled');
}

interface Executed {
  outcome: ProcessOutcome;
  command: string[];
  playbook: string;
}

/** Everything around one ansible-playbook process: checks, run directory, arguments, environment, and how it stopped. */
async function execute(
  modeArgs: string[],
  request: PlaybookRequest,
  settings: RunSettings,
): Promise<Executed> {
  const timeoutMs = request.timeoutMs ?? ANSIBLE_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new CodemonkeysError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`, {
      reason: 'Usage',
    });
  }
  registerSecrets(request, settings.redactor);
  const secretEnv = checkSecretEnv(request.secretEnv ?? {});
  if (!existsSync(request.baseDir)) {
    throw new CodemonkeysError(`base directory ${request.baseDir} does not exist`, {
      reason: 'BaseDirNotFound',
    });
  }
  const playbook = resolvePlaybook(request.playbook, request.baseDir, settings.libraryDir);
  const inventory = request.inventory ? resolveInventory(request.inventory, request.baseDir) : undefined;
  const executable = await locateAnsible(settings);
  if (request.signal?.aborted) throw cancelledBeforeStart();
  const parts: CommandParts = { modeArgs, request, settings, inventory, playbook, secretEnv };
  const { outcome, command } =
    request.detachedDir === undefined
      ? await executeHere(executable, timeoutMs, parts)
      : await executeDetached(request.detachedDir, executable, timeoutMs, parts);
  throwIfStopped(outcome, command, timeoutMs, settings, basename(playbook));
  return { outcome, command, playbook };
}

/** What one ansible-playbook command is made of, resolved and checked. */
interface CommandParts {
  modeArgs: string[];
  request: PlaybookRequest;
  settings: RunSettings;
  inventory: string | undefined;
  playbook: string;
  secretEnv: Record<string, string>;
}

/** The run directory (in `parentDir`), the arguments, the environment and the command line as shown. */
async function prepareCommand(parts: CommandParts, parentDir: string | undefined) {
  const { modeArgs, request, settings, inventory, playbook, secretEnv } = parts;
  const workspace = await createWorkspace({
    vars: request.vars ?? {},
    localhost: inventory === undefined,
    vaultPassword: request.vaultPassword,
    parentDir,
  });
  const args = buildArgs(modeArgs, request, workspace, inventory ?? workspace.inventoryPath ?? '', playbook);
  const display = ['ansible-playbook', ...args.map((arg) => settings.redactor.redactText(arg))];
  settings.logger?.debug({ playbook: basename(playbook), command: display }, 'ansible-playbook started');
  return { workspace, args, env: buildEnv(settings, secretEnv, workspace), display };
}

/** The run as a child of this process, its run directory removed afterwards. */
async function executeHere(
  executable: string,
  timeoutMs: number,
  parts: CommandParts,
): Promise<{ outcome: ProcessOutcome; command: string[] }> {
  const { workspace, args, env, display } = await prepareCommand(parts, parts.settings.tempDir);
  try {
    const outcome = await spawnAnsible(executable, args, {
      cwd: parts.request.baseDir,
      env,
      timeoutMs,
      signal: parts.request.signal,
    });
    return { outcome, command: display };
  } finally {
    await workspace.remove();
  }
}

/**
 * The run in a detached worker (runDetached), its run directory inside the worker's folder and
 * removed by the worker when the playbook ends. A run already in the folder is waited for or
 * read back, never started again: what a restarted reconciler does with the deploy a killed one
 * started.
 */
async function executeDetached(
  dir: string,
  executable: string,
  timeoutMs: number,
  parts: CommandParts,
): Promise<{ outcome: ProcessOutcome; command: string[] }> {
  const ran = await runDetached(dir, async () => {
    const { workspace, args, env, display } = await prepareCommand(parts, dir);
    return {
      file: executable,
      args,
      cwd: parts.request.baseDir,
      env,
      timeoutMs,
      removeAfter: [workspace.dir],
      display,
    };
  });
  if (ran.adopted)
    parts.settings.logger?.info(
      { playbook: basename(parts.playbook) },
      'ansible-playbook run adopted from an earlier process',
    );
  const outcome: ProcessOutcome = {
    stdout: ran.stdout,
    stderr: ran.stderr,
    exitCode: ran.exitCode,
    signal: ran.signal,
    timedOut: ran.timedOut,
    cancelled: false,
    spawnError: ran.spawnError,
  };
  return { outcome, command: ran.display };
}

function throwIfStopped(
  outcome: ProcessOutcome,
  command: string[],
  timeoutMs: number,
  settings: RunSettings,
  name: string,
): void {
  const { redactor } = settings;
  if (outcome.cancelled) {
    throw commandError(
      `playbook ${name} was cancelled`,
      command,
      outcome,
      redactor,
      'AnsibleCancelled',
      'transient',
    );
  }
  if (outcome.timedOut) {
    const message = `playbook ${name} timed out after ${Math.round(timeoutMs / 1000)} s`;
    throw commandError(message, command, outcome, redactor, 'AnsibleTimedOut', 'transient');
  }
  if (outcome.spawnError !== null) {
    throw commandError(
      `ansible-playbook could not be started`,
      command,
      outcome,
      redactor,
      'AnsibleFailed',
      'stalled',
    );
  }
}

function cancelledBeforeStart(): CodemonkeysError {
  return new CodemonkeysError('playbook run was cancelled before it started', {
    reason: 'AnsibleCancelled',
    next: 'transient',
  });
}

/** Ansible's `[WARNING]: …` and `[DEPRECATION WARNING]: …` lines. */
function warningsOf(stderr: string): string[] {
  const warnings: string[] = [];
  for (const line of stderr.split('\n')) {
    const match = /^\[(?:DEPRECATION )?WARNING\]:?\s*(.*)$/.exec(line);
    if (match?.[1]) warnings.push(match[1].trim());
  }
  return warnings;
}
