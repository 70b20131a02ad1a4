import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, realpath, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CodemonkeysError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { TofuPlanStore } from '../../store/tofu-plans.js';
import { systemClock } from '../../util/clock.js';
import { type DetachedCommand, detachedRunStarted, runDetached } from '../../util/detached/run.js';
import { findTofu } from '../tools.js';
import { defaultProviderMirror, writeCliConfig } from './cli-config.js';
import { formatDiagnostic, type TofuDiagnostic } from './diagnostics.js';
import { TofuCommandError, tofuFailure } from './errors.js';
import { INTERRUPT_GRACE_MS, runTofu, type TofuOutput, type TofuRun, tofuEnv, tofuRunOf } from './exec.js';
import { KeyedMutex } from './mutex.js';
import { readPlanJson, type TofuPlanSummary } from './plan-json.js';
import { registerSecrets, secretsFoundIn, workspaceSecrets } from './secrets.js';
import { isCurrent, syncModule, type WorkspacePaths, workspacePaths, writeVarsFile } from './workspace.js';

/** How the runner is set up; one runner serves every product of a fleet. */
export interface TofuRunnerOptions {
  /** The runner's folder, `<state dir>/tofu`: CLI configuration, plugin cache, one working directory per product. */
  dir: string;
  /** Where saved plan files go (the state store). */
  plans: TofuPlanStore;
  /** The reconciler's environment: PATH (to find tofu), HOME, proxies; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The tofu executable; default: found as `codemonkeys doctor` finds it. */
  tofuPath?: string;
  /** The provider cache shared by all working directories; default `<dir>/plugin-cache`. */
  pluginCacheDir?: string;
  /** A provider filesystem mirror; default the one scripts/setup.sh builds, if present; null: none. */
  providerMirror?: string | null;
  /** How long tofu retries a held state lock before giving up (`-lock-timeout`); default 0. */
  lockTimeoutMs?: number;
  /** After a held lock, when to try again (`retryAfterMs` of the waiting error); default 30 s. */
  lockedRetryMs?: number;
  /** Longest one tofu command may run; default 30 minutes. */
  timeoutMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/**
 * One product's use of a module. Secret values are given resolved (`resolveSecret` registered
 * them already; the runner registers them again) and reach tofu only through its environment.
 */
export interface TofuWorkspace {
  /** `org/name`; names the working directory and the saved plans. */
  product: string;
  /** Absolute path of the module folder. */
  moduleDir: string;
  /** How the module is named to people (`tofu/modules/static-site`); default `moduleDir`. */
  moduleLabel?: string;
  /** Non-secret module variables (`spec.infra.vars`). */
  vars?: Record<string, unknown>;
  /**
   * Secret module variables, passed as `TF_VAR_<name>`. The module should declare them
   * `sensitive = true` and, when only providers or provisioners use them, `ephemeral = true`:
   * then they never enter a plan file or the state. A plan that holds a secret's value is refused.
   */
  secretVars?: Record<string, string>;
  /** Non-secret environment for providers (`AWS_REGION`). */
  env?: Record<string, string>;
  /** Secret environment for providers (`AWS_SECRET_ACCESS_KEY`). */
  secretEnv?: Record<string, string>;
}

/** What `plan` found: the infra facet's observation. */
export interface TofuPlanResult {
  product: string;
  /** False when the real infrastructure and the state match the module (exit code 0 of `plan -detailed-exitcode`). */
  changed: boolean;
  summary: TofuPlanSummary;
  /** Equal for plans of the same changes; an action can carry it across passes (a new plan file each pass). */
  fingerprint: string;
  /** The saved plan to apply; null when nothing would change or saving was not asked for. */
  planId: string | null;
  /** The tofu version that planned, from its `-json` stream. */
  tofuVersion: string | null;
  /** Warnings tofu gave, located like errors. */
  warnings: string[];
}

/** What `apply` did, as tofu's own change summary of the apply counts it. */
export interface TofuApplyResult {
  product: string;
  planId: string;
  add: number;
  change: number;
  destroy: number;
  warnings: string[];
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** A working directory ready for tofu: the executable, the paths, the run's environment. */
interface Prepared {
  tofu: string;
  paths: WorkspacePaths;
  env: Record<string, string>;
}

/**
 * Runs OpenTofu for the infra facet: `observe` = `plan` (a saved plan and its summary), `actuate`
 * = `apply` of that saved plan, never a fresh apply. Each product has its own working directory
 * and, unless its module declares a backend, local state in it; all share one plugin cache.
 * Errors are `TofuCommandError`s typed for the loop: a held state lock is `waiting`, a stale plan
 * `transient`, an error in the module `stalled` with its file and line.
 */
export class TofuRunner {
  readonly #options: TofuRunnerOptions;
  readonly #env: NodeJS.ProcessEnv;
  readonly #cliConfig: string;
  readonly #workspaces = new KeyedMutex();
  readonly #installs = new KeyedMutex();
  #setup: Promise<string> | undefined;

  constructor(options: TofuRunnerOptions) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.#cliConfig = join(options.dir, 'cli.tfrc');
  }

  /**
   * Plans the module for the product: syncs the working directory, `init`, `plan -detailed-exitcode
   * -out`, `show -json` of the plan. A plan with changes is saved in the plan store unless
   * `save: false` (a dry run writes nothing); the plan file on disk is removed either way.
   */
  async plan(workspace: TofuWorkspace, options: { save?: boolean } = {}): Promise<TofuPlanResult> {
    return this.#workspaces.run(workspace.product, async () => {
      const { tofu, paths, env } = await this.#prepare(workspace);
      await mkdir(paths.plans, { recursive: true });
      const planFile = join(paths.plans, `${randomUUID()}.tfplan`);
      try {
        const args = planArgs(paths, this.#lockTimeout(), relative(paths.dir, planFile));
        const planned = await this.#run(tofu, workspace, paths, env, 'stream', args);
        return await this.#readPlan(tofu, workspace, paths, env, planned, planFile, options.save !== false);
      } finally {
        await rm(planFile, { force: true });
      }
    });
  }

  /**
   * Plans in the product's working directory without writing anything there or anywhere under
   * the runner's folder, for dry runs: only when the directory is current (the module's files
   * and the variables are those of its last run, and it was initialised), with `-lock=false` and
   * the plan file in `scratchDir`; never saved. Resolves null when the directory is not current:
   * a plan there would need a sync and an init first.
   */
  async planInPlace(workspace: TofuWorkspace, scratchDir: string): Promise<TofuPlanResult | null> {
    return this.#workspaces.run(workspace.product, async () => {
      const paths = workspacePaths(this.#options.dir, workspace.product);
      const current =
        existsSync(this.#cliConfig) &&
        (await isCurrent(workspace.moduleDir, paths, label(workspace), workspace.vars ?? {}));
      if (!current) return null;
      const tofu = this.#options.tofuPath ?? (await findTofu(this.#env));
      if (!tofu) return null;
      registerSecrets(workspaceSecrets(workspace.secretVars, workspace.secretEnv));
      const env = this.#envFor(workspace);
      const planFile = join(scratchDir, `${randomUUID()}.tfplan`);
      try {
        const args = planArgs(paths, '-lock=false', planFile);
        const planned = await this.#run(tofu, workspace, paths, env, 'stream', args);
        return await this.#readPlan(tofu, workspace, paths, env, planned, planFile, false);
      } finally {
        await rm(planFile, { force: true });
      }
    });
  }

  /** `show -json` of a plan file → the result; saves the plan when asked and it has changes. */
  async #readPlan(
    tofu: string,
    workspace: TofuWorkspace,
    paths: WorkspacePaths,
    env: Record<string, string>,
    planned: TofuRun,
    planFile: string,
    save: boolean,
  ): Promise<TofuPlanResult> {
    const changed = planned.exitCode === 2;
    const shown = await this.#run(tofu, workspace, paths, env, 'plain', ['show', '-json', planFile]);
    this.#refuseSecretsIn(shown.stdout, workspace);
    const { summary, fingerprint } = readPlanJson(shown.stdout, [paths.dir, await realpath(paths.dir)]);
    const planId = changed && save ? this.#save(workspace, planFile, summary, fingerprint) : null;
    this.#options.logger?.info(
      {
        product: workspace.product,
        planId,
        add: summary.add,
        change: summary.change,
        destroy: summary.destroy,
      },
      changed ? 'tofu plan has changes' : 'tofu plan has no changes',
    );
    return {
      product: workspace.product,
      changed,
      summary,
      fingerprint,
      planId,
      tofuVersion: versionOf(planned),
      warnings: warningsOf(planned.diagnostics, label(workspace)),
    };
  }

  /**
   * Applies a saved plan of the product, and only that: `tofu apply <planfile>`. tofu refuses a
   * plan made against a state that has changed since (`TofuPlanStale`). With `detachedDir`, tofu
   * runs in a detached worker (runDetached) that outlives this process; a later call with the same
   * folder finds that run and waits for it or reads how it ended, and prepares nothing: the
   * working directory is the running tofu's until it ends.
   */
  async apply(
    workspace: TofuWorkspace,
    planId: string,
    options: { detachedDir?: string } = {},
  ): Promise<TofuApplyResult> {
    return this.#workspaces.run(workspace.product, async () => {
      const record = this.#options.plans.get(planId);
      if (record && record.product !== workspace.product) {
        throw new CodemonkeysError(
          `tofu plan ${planId} belongs to ${record.product}, not ${workspace.product}`,
          {
            reason: 'TofuPlanMismatch',
            next: 'stalled',
          },
        );
      }
      const dir = options.detachedDir;
      const applied =
        dir !== undefined && detachedRunStarted(dir)
          ? await this.#detached(workspace, dir, () => Promise.reject(new Error('a run is already there')))
          : await this.#applyPlanFile(workspace, planId, dir);
      const counts = changeSummaryOf(applied);
      this.#options.logger?.info({ product: workspace.product, planId, ...counts }, 'tofu apply finished');
      return {
        product: workspace.product,
        planId,
        ...counts,
        warnings: warningsOf(applied.diagnostics, label(workspace)),
      };
    });
  }

  /** Prepares the working directory, restores the plan file, applies it (detached when `dir` is given). */
  async #applyPlanFile(workspace: TofuWorkspace, planId: string, dir: string | undefined): Promise<TofuRun> {
    const { tofu, paths, env } = await this.#prepare(workspace);
    await mkdir(paths.plans, { recursive: true });
    // Not named after the id, which comes from outside and so must not become part of a path.
    const planFile = join(paths.plans, `${randomUUID()}.tfplan`);
    try {
      this.#options.plans.restore(planId, planFile);
      const args = ['apply', '-input=false', '-json', this.#lockTimeout(), relative(paths.dir, planFile)];
      if (dir === undefined) return await this.#run(tofu, workspace, paths, env, 'stream', args);
      return await this.#detached(workspace, dir, async () => ({
        file: tofu,
        args,
        cwd: paths.dir,
        env,
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        stopSignal: 'SIGINT',
        graceMs: INTERRUPT_GRACE_MS,
        // If this process dies, the worker removes the plan file once tofu has read it.
        removeAfter: [planFile],
        display: ['tofu', ...args],
      }));
    } finally {
      await rm(planFile, { force: true });
    }
  }

  /** One tofu command in a detached worker (runDetached); throws the typed failure unless it succeeded. */
  async #detached(
    workspace: TofuWorkspace,
    dir: string,
    prepare: () => Promise<DetachedCommand>,
  ): Promise<TofuRun> {
    const ended = await runDetached(dir, prepare);
    if (ended.adopted)
      this.#options.logger?.info(
        { product: workspace.product },
        'tofu apply adopted from an earlier process',
      );
    const run = tofuRunOf(ended.display.slice(1), ended, 'stream');
    if (ended.spawnError !== null) run.stderr = `${run.stderr}\n${ended.spawnError}`;
    if (run.exitCode !== 0) throw tofuFailure(run, this.#context(workspace));
    return run;
  }

  /** `tofu validate` of the module (after `init`): every problem, located; never throws for an invalid module. */
  async validate(workspace: TofuWorkspace): Promise<{ valid: boolean; diagnostics: TofuDiagnostic[] }> {
    return this.#workspaces.run(workspace.product, async () => {
      let prepared: Prepared;
      try {
        prepared = await this.#prepare(workspace);
      } catch (error) {
        // A module that does not even parse fails in init; that is an answer, not an error.
        if (error instanceof TofuCommandError && error.reason === 'TofuConfigInvalid') {
          return { valid: false, diagnostics: error.diagnostics };
        }
        throw error;
      }
      const { tofu, paths, env } = prepared;
      const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const run = await runTofu(tofu, ['validate', '-json'], {
        cwd: paths.dir,
        env,
        timeoutMs,
        output: 'validate',
      });
      if (run.exitCode !== 0 && run.diagnostics.length === 0)
        throw tofuFailure(run, this.#context(workspace));
      return { valid: run.exitCode === 0, diagnostics: run.diagnostics };
    });
  }

  /** Finds tofu, writes the CLI configuration, syncs the module, writes the variables, runs `init`. */
  async #prepare(
    workspace: TofuWorkspace,
  ): Promise<{ tofu: string; paths: WorkspacePaths; env: Record<string, string> }> {
    const tofu = await this.#setUp();
    registerSecrets(workspaceSecrets(workspace.secretVars, workspace.secretEnv));
    const paths = workspacePaths(this.#options.dir, workspace.product);
    await syncModule(workspace.moduleDir, paths, label(workspace));
    await writeVarsFile(paths, workspace.vars ?? {});
    const env = this.#envFor(workspace);
    // init every time: it is quick when nothing changed, and repairs a working directory whose
    // module, providers or cache changed since, as a level-triggered loop should.
    await this.#installs.run('plugin-cache', () =>
      this.#run(tofu, workspace, paths, env, 'stream', ['init', '-input=false', '-json']),
    );
    return { tofu, paths, env };
  }

  #envFor(workspace: TofuWorkspace): Record<string, string> {
    return tofuEnv({
      base: this.#env,
      cliConfig: this.#cliConfig,
      extra: workspace.env,
      secretEnv: workspace.secretEnv,
      secretVars: workspace.secretVars,
    });
  }

  #setUp(): Promise<string> {
    this.#setup ??= (async () => {
      const tofu = this.#options.tofuPath ?? (await findTofu(this.#env));
      if (!tofu) {
        throw new CodemonkeysError(
          'tofu is not installed: run scripts/setup.sh tofu (see codemonkeys doctor)',
          {
            reason: 'ToolMissing',
            next: 'stalled',
          },
        );
      }
      const mirrorDir =
        this.#options.providerMirror === undefined
          ? defaultProviderMirror(this.#env)
          : this.#options.providerMirror;
      const pluginCacheDir = this.#options.pluginCacheDir ?? join(this.#options.dir, 'plugin-cache');
      await writeCliConfig(this.#cliConfig, { pluginCacheDir, mirrorDir });
      return tofu;
    })();
    // A failed set-up is tried again on the next call (tofu may have been installed meanwhile).
    this.#setup.catch(() => {
      this.#setup = undefined;
    });
    return this.#setup;
  }

  /** Runs one tofu command in the working directory; throws the typed failure unless it succeeded. */
  async #run(
    tofu: string,
    workspace: TofuWorkspace,
    paths: WorkspacePaths,
    env: Record<string, string>,
    output: TofuOutput,
    args: string[],
  ): Promise<TofuRun> {
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const run = await runTofu(tofu, args, { cwd: paths.dir, env, timeoutMs, output });
    const succeeded = run.exitCode === 0 || (args.includes('-detailed-exitcode') && run.exitCode === 2);
    if (!succeeded) throw tofuFailure(run, this.#context(workspace));
    return run;
  }

  #refuseSecretsIn(planJson: string, workspace: TofuWorkspace): void {
    const found = secretsFoundIn(planJson, workspaceSecrets(workspace.secretVars, workspace.secretEnv));
    if (found.length === 0) return;
    throw new CodemonkeysError(
      `${workspace.product}: the tofu plan holds the value of ${found.join(', ')} in the clear, so it is not saved; ` +
        `declare the variable ephemeral = true in ${label(workspace)} (and use it only where ephemeral values may go)`,
      { reason: 'TofuSecretInPlan', next: 'stalled' },
    );
  }

  #save(workspace: TofuWorkspace, file: string, summary: TofuPlanSummary, fingerprint: string): string {
    const createdAt = (this.#options.now ?? systemClock)();
    return this.#options.plans.save({ product: workspace.product, file, summary, fingerprint, createdAt }).id;
  }

  #lockTimeout(): string {
    return `-lock-timeout=${Math.max(0, Math.round(this.#options.lockTimeoutMs ?? 0))}ms`;
  }

  #context(workspace: TofuWorkspace) {
    return {
      product: workspace.product,
      moduleLabel: label(workspace),
      lockedRetryMs: this.#options.lockedRetryMs,
    };
  }
}

function label(workspace: TofuWorkspace): string {
  return workspace.moduleLabel ?? workspace.moduleDir;
}

function versionOf(run: TofuRun): string | null {
  const message = run.messages.find((item) => item.type === 'version');
  return typeof message?.tofu === 'string' ? message.tofu : null;
}

function warningsOf(diagnostics: readonly TofuDiagnostic[], moduleLabel: string): string[] {
  return diagnostics
    .filter((diagnostic) => diagnostic.severity === 'warning')
    .map((diagnostic) => formatDiagnostic(diagnostic, moduleLabel));
}

/** The counts of the apply's `change_summary` message (https://opentofu.org/docs/internals/machine-readable-ui/#change-summary). */
function changeSummaryOf(run: TofuRun): { add: number; change: number; destroy: number } {
  const message = run.messages.findLast((item) => item.type === 'change_summary');
  const changes = (message?.changes ?? {}) as Record<string, unknown>;
  const count = (value: unknown): number => (typeof value === 'number' ? value : 0);
  return { add: count(changes.add), change: count(changes.change), destroy: count(changes.remove) };
}

/** `tofu plan` for a program: no prompts, JSON, exit code 2 for changes, the vars file, the plan file. */
function planArgs(paths: { dir: string; varsFile: string }, lock: string, out: string): string[] {
  return [
    'plan',
    '-input=false',
    '-json',
    '-detailed-exitcode',
    lock,
    `-var-file=${relative(paths.dir, paths.varsFile)}`,
    `-out=${out}`,
  ];
}
