import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { basename } from 'node:path';
import { findOnPath } from '../../doctor/tools.js';
import { CodemonkeysError, type NextStep } from '../../errors.js';
import type { Redactor } from '../../log/redact.js';
import { parseCallbackOutput } from './callback.js';
import { AnsibleCommandError, ansibleMissing, STDERR_TAIL_BYTES } from './errors.js';
import { resolveInventory, resolvePlaybook } from './inventory.js';
import { type ProcessOutcome, spawnAnsible } from './process.js';
import {
  ANSIBLE_TIMEOUT_MS,
  type AnsibleRunnerOptions,
  type PlaybookRequest,
  type PlaybookResult,
} from './runner.js';
import { createWorkspace, type RunWorkspace } from './workspace.js';

/** The runner's options with the redactor settled. */
export type RunSettings = AnsibleRunnerOptions & { redactor: Redactor };

/** Variables passed on from the reconciler's environment besides LC_*: what ssh, Python and the modules need. */
const PASSED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_RUNTIME_DIR',
];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Exit codes with which ansible-playbook refuses a playbook (parser error) or its options. */
const INVALID_EXIT_CODES = new Set([4, 5]);

/** Runs a playbook with `--check --diff` or for real, and reads its per-host, per-task results. */
export async function runPlaybook(
  mode: 'check' | 'apply',
  request: PlaybookRequest,
  settings: RunSettings,
): Promise<PlaybookResult> {
  const started = Date.now();
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
    durationMs: Date.now() - started,
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
  const workspace = await createWorkspace({
    vars: request.vars ?? {},
    localhost: inventory === undefined,
    vaultPassword: request.vaultPassword,
    parentDir: settings.tempDir,
  });
  try {
    const args = buildArgs(
      modeArgs,
      request,
      workspace,
      inventory ?? workspace.inventoryPath ?? '',
      playbook,
    );
    const command = ['ansible-playbook', ...args.map((arg) => settings.redactor.redactText(arg))];
    const env = buildEnv(settings, secretEnv, workspace);
    settings.logger?.debug({ playbook: basename(playbook), command }, 'ansible-playbook started');
    const outcome = await spawnAnsible(executable, args, {
      cwd: request.baseDir,
      env,
      timeoutMs,
      signal: request.signal,
    });
    throwIfStopped(outcome, command, timeoutMs, settings, basename(playbook));
    return { outcome, command, playbook };
  } finally {
    await workspace.remove();
  }
}

function buildArgs(
  modeArgs: string[],
  request: PlaybookRequest,
  workspace: RunWorkspace,
  inventory: string,
  playbook: string,
): string[] {
  const args = ['-i', inventory, '--extra-vars', `@${workspace.extraVarsPath}`, ...modeArgs];
  if (workspace.vaultPasswordPath) args.push('--vault-password-file', workspace.vaultPasswordPath);
  // The `--opt=value` form: a value that starts with '-' stays a value.
  if (request.limit) args.push(`--limit=${request.limit}`);
  if (request.tags?.length) args.push(`--tags=${request.tags.join(',')}`);
  if (request.skipTags?.length) args.push(`--skip-tags=${request.skipTags.join(',')}`);
  // Resolved to an absolute path, so it never reads as an option.
  args.push(playbook);
  return args;
}

function buildEnv(
  settings: RunSettings,
  secretEnv: Record<string, string>,
  workspace: RunWorkspace,
): Record<string, string> {
  const source = settings.env ?? process.env;
  const passed = new Set([...PASSED_ENV, ...(settings.passEnv ?? [])]);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || name.startsWith('ANSIBLE_')) continue;
    if (passed.has(name) || name.startsWith('LC_')) env[name] = value;
  }
  // Ansible refuses to start under a locale whose encoding is not UTF-8.
  if (!/utf-?8/i.test(env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? '')) env.LC_ALL = 'C.UTF-8';
  Object.assign(env, secretEnv);
  env.ANSIBLE_CONFIG = workspace.configPath;
  // The callback plugin lives in the package: no __pycache__ written beside it.
  env.PYTHONDONTWRITEBYTECODE = '1';
  return env;
}

function registerSecrets(request: PlaybookRequest, redactor: Redactor): void {
  for (const value of Object.values(request.secretEnv ?? {})) redactor.register(value);
  if (request.vaultPassword !== undefined) redactor.register(request.vaultPassword);
}

/** Secret variable names must be plain names that cannot replace the run's own settings. */
function checkSecretEnv(secretEnv: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(secretEnv)) {
    const reserved = name.startsWith('ANSIBLE_') || PASSED_ENV.includes(name) || name.startsWith('LC_');
    if (!ENV_NAME.test(name) || reserved || typeof value !== 'string') {
      throw new CodemonkeysError(
        `secret environment variable '${name}' cannot be used: it must be a plain name (letters, digits, '_') and not one of ansible-playbook's own settings (ANSIBLE_*, LC_*, ${PASSED_ENV.join(', ')})`,
        { reason: 'Usage' },
      );
    }
  }
  return secretEnv;
}

async function locateAnsible(settings: RunSettings): Promise<string> {
  const executable = settings.executable ?? 'ansible-playbook';
  if (!executable.includes('/')) {
    const found = await findOnPath(executable, settings.env ?? process.env);
    if (found) return found;
    throw ansibleMissing(executable);
  }
  try {
    await access(executable, constants.X_OK);
    return executable;
  } catch {
    throw ansibleMissing(executable);
  }
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

/** An error whose message names how the run ended and Ansible's own `ERROR!` line, all redacted. */
function commandError(
  message: string,
  command: string[],
  outcome: ProcessOutcome,
  redactor: Redactor,
  reason: string,
  next: NextStep,
): AnsibleCommandError {
  const stderr = redactor.redactText(outcome.spawnError ?? outcome.stderr).trim();
  const stderrTail = stderr.length > STDERR_TAIL_BYTES ? stderr.slice(-STDERR_TAIL_BYTES) : stderr;
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const headline = lines.find((line) => line.startsWith('ERROR!')) ?? lines[lines.length - 1];
  const how =
    outcome.timedOut || outcome.cancelled
      ? ''
      : outcome.signal
        ? ` (killed by ${outcome.signal})`
        : ` (exit code ${outcome.exitCode ?? 'unknown'})`;
  const detail = headline && !outcome.timedOut && !outcome.cancelled ? `: ${headline.trim()}` : '';
  return new AnsibleCommandError(`${message}${how}${detail}`, {
    reason,
    next,
    command,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    stderrTail,
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
