import { basename } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { redactor as defaultRedactor, type Redactor } from '../../log/redact.js';
import type { HostStats, ParsedRun, TaskResult } from './callback.js';
import { AnsiblePlaybookFailed } from './errors.js';
import { runPlaybook, runSyntaxCheck } from './execute.js';

/** How long a playbook may run by default: a slow deploy finishes, a hung ssh does not block the loop forever. */
export const ANSIBLE_TIMEOUT_MS = 30 * 60_000;

/** One playbook run as the deploy facet (or a release) asks for it. No value here is ever put on the command line. */
export interface PlaybookRequest {
  /**
   * The playbook: an absolute path, a path relative to `baseDir`, or the file name of a library
   * playbook (`deploy-static-site.yml`, see playbooks/README.md).
   */
  playbook: string;
  /** Where relative playbook and inventory paths start: the product's work tree or the fleet root. Also the working directory. */
  baseDir: string;
  /** Inventory file or directory, relative to `baseDir` (`spec.deploy.inventory`); none → this machine over `connection: local`. */
  inventory?: string;
  /** Extra vars, written to a 0600 file for `--extra-vars @file` and removed after the run. Secrets do not go here. */
  vars?: Record<string, unknown>;
  /**
   * Secret values by environment variable name (`NPM_TOKEN`), given to ansible-playbook's
   * environment only and registered with the redactor; playbooks read them with `lookup('env', …)`.
   */
  secretEnv?: Record<string, string>;
  /** Password for vault-encrypted files, handed over as a 0600 `--vault-password-file`. */
  vaultPassword?: string;
  /** `--limit`: the hosts (pattern) to run on. */
  limit?: string;
  /** `--tags` / `--skip-tags`. */
  tags?: string[];
  skipTags?: string[];
  /** Default ANSIBLE_TIMEOUT_MS; past it the run's process group is killed and `AnsibleTimedOut` (transient) thrown. */
  timeoutMs?: number;
  /** Aborting kills the run's process group; the call then rejects with `AnsibleCancelled` (transient). Not for detached runs. */
  signal?: AbortSignal;
  /**
   * Run in a detached worker whose files live in this folder (runDetached): the playbook goes on
   * if the reconciler dies, and a later call with the same folder waits for that run or reads
   * how it ended instead of running the playbook again. For real runs (`apply`) of an action.
   */
  detachedDir?: string;
}

/** What one run did, per host and per task, with every secret the redactor knows taken out. */
export interface PlaybookResult {
  /** `check` ran with `--check --diff` and changed nothing; `apply` is a real run (with `--diff`). */
  mode: 'check' | 'apply';
  /** The playbook file that ran. */
  playbook: string;
  /** The command line (it holds only paths and flags). */
  command: string[];
  /** Every task's outcome on every host, in the order they ran. */
  tasks: TaskResult[];
  /** The play recap per host. */
  hosts: Record<string, HostStats>;
  /** `set_stats` data: per host, and for the run (see the library's `deployed_version`). */
  customStats: ParsedRun['customStats'];
  /** Some task changed something on some host (in check mode: would change). */
  changed: boolean;
  /** The failed (not ignored) and unreachable task results; empty for a successful run. */
  failures: TaskResult[];
  exitCode: number | null;
  durationMs: number;
  /** Ansible's warnings, from stderr. */
  warnings: string[];
}

/**
 * The Ansible side of the deploy facet: an observer and an actuator over the same request.
 * Both return per-host, per-task results and both throw `AnsiblePlaybookFailed` (carrying the
 * result) when a task fails or a host cannot be reached; runs that never produced a result throw
 * `AnsibleCommandError` (timed out, cancelled, invalid playbook) or `AnsibleMissing`.
 */
export interface AnsibleRunner {
  /** `--check --diff`: what a real run would change (tasks with status `changed`), changing nothing. */
  check(request: PlaybookRequest): Promise<PlaybookResult>;
  /** A real run, with `--diff`: converges the hosts. */
  apply(request: PlaybookRequest): Promise<PlaybookResult>;
  /** `--syntax-check`: resolves when Ansible can parse the playbook, else throws stalled `AnsiblePlaybookInvalid`. */
  syntaxCheck(request: PlaybookRequest): Promise<void>;
}

/** How a runner is set up; every field has a default. */
export interface AnsibleRunnerOptions {
  /** The ansible-playbook executable: a name looked up on PATH, or a path. Default `ansible-playbook`. */
  executable?: string;
  /**
   * Where PATH, HOME, locale, proxy and ssh-agent variables come from (default process.env).
   * Only those are passed on, with the request's `secretEnv`: other secrets in the reconciler's
   * environment never reach a playbook, and no ANSIBLE_* setting of the user's leaks in.
   */
  env?: NodeJS.ProcessEnv;
  /** More variable names to pass on from `env`. */
  passEnv?: string[];
  /** The redactor that knows resolved secrets; default the process-wide one. */
  redactor?: Redactor;
  logger?: Logger;
  /** Where run directories are created; default the system temporary folder. */
  tempDir?: string;
  /** The playbook library for bare playbook names; default the package's playbooks/. */
  libraryDir?: string;
}

/** Creates the runner the deploy facet and the release publishers use. */
export function createAnsibleRunner(options: AnsibleRunnerOptions = {}): AnsibleRunner {
  const redactor = options.redactor ?? defaultRedactor;
  const settings = { ...options, redactor };
  return {
    check: async (request) => succeeded(await runPlaybook('check', request, settings), request),
    apply: async (request) => succeeded(await runPlaybook('apply', request, settings), request),
    syntaxCheck: (request) => runSyntaxCheck(request, settings),
  };
}

function succeeded(result: PlaybookResult, request: PlaybookRequest): PlaybookResult {
  if (result.failures.length > 0) throw new AnsiblePlaybookFailed(result, basename(request.playbook));
  return result;
}

/** One host's answer to "what runs there?", as the library's deploy playbooks report it. */
export interface DeployedVersion {
  /** The version marker found before the run; '' when nothing was deployed. */
  deployed: string;
  /** The version the run deploys (or, in check mode, would). */
  wanted: string;
}

/**
 * The versions the library's deploy playbooks report with `set_stats` (`deployed_version`,
 * `wanted_version`), by host; hosts that reported nothing are left out.
 */
export function deployedVersions(result: PlaybookResult): Record<string, DeployedVersion> {
  const versions: Record<string, DeployedVersion> = {};
  for (const [host, stats] of Object.entries(result.customStats.perHost)) {
    const { deployed_version: deployed, wanted_version: wanted } = stats;
    if (typeof deployed !== 'string' || typeof wanted !== 'string') continue;
    versions[host] = { deployed, wanted };
  }
  return versions;
}
