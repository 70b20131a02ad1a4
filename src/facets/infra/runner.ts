import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type TofuApplyResult,
  type TofuPlanResult,
  TofuRunner,
  type TofuWorkspace,
} from '../../backends/tofu/index.js';
import { workspacePaths } from '../../backends/tofu/workspace.js';
import { CodemonkeysError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import {
  openTofuPlanStore,
  type TofuPlanInput,
  type TofuPlanRecord,
  type TofuPlanStore,
} from '../../store/tofu-plans.js';
import type { Clock } from '../../util/clock.js';
import type { Service } from '../services.js';

/**
 * What the infra facet runs OpenTofu with: one per runtime. A writing runtime plans and applies
 * in `<state dir>/tofu` and keeps plans in the state file; a read-only one (dry run, `plan`)
 * plans in a scratch folder with a copy of the product's state and writes nothing of its own.
 */
export interface InfraRunner {
  /** True for a read-only runtime: plans are never saved and nothing can be applied. */
  readonly readOnly: boolean;
  /** `TofuRunner.plan`; a read-only runner never saves the plan, whatever `save` says. */
  plan(workspace: TofuWorkspace, options?: { save?: boolean }): Promise<TofuPlanResult>;
  /** `TofuRunner.apply` of a saved plan (in a detached worker with `detachedDir`). */
  apply(
    workspace: TofuWorkspace,
    planId: string,
    options?: { detachedDir?: string },
  ): Promise<TofuApplyResult>;
  /** The newest saved plan of a product. */
  latestPlan(product: string): TofuPlanRecord | undefined;
}

export interface InfraRunnerOptions {
  /** Folder of the state database; the runner's own folder is `<stateDir>/tofu`. */
  stateDir: string;
  /** The state database file, where plans are saved. */
  statePath: string;
  readOnly: boolean;
  env: NodeJS.ProcessEnv;
  logger?: Logger;
  /** When saved plans are said to have been made. */
  clock?: Clock;
}

/** OpenTofu for the infra facet, one per runtime (see openInfraRunner). */
export const tofuService: Service<InfraRunner> = {
  name: 'tofu',
  open: (context) =>
    openInfraRunner({
      stateDir: context.stateDir,
      statePath: context.statePath,
      readOnly: context.readOnly,
      env: context.env,
      logger: context.logger,
      clock: context.clock,
    }),
};

/** The runtime's OpenTofu runner: a writing one, or a read-only one that plans in scratch folders. */
export function openInfraRunner(options: InfraRunnerOptions): InfraRunner {
  const dir = join(options.stateDir, 'tofu');
  if (options.readOnly) return scratchRunner(dir, options);
  const plans = planStoreOn(options.statePath);
  const runner = new TofuRunner({ dir, plans, env: options.env, logger: options.logger, now: options.clock });
  return {
    readOnly: false,
    plan: (workspace, planOptions) => runner.plan(workspace, planOptions),
    apply: (workspace, planId, applyOptions) => runner.apply(workspace, planId, applyOptions),
    latestPlan: (product) => plans.latest(product),
  };
}

/**
 * Saved plans on the state file through a connection opened for each call: a runtime has no
 * close of its own, a loop opens one runtime per pass, and plans are saved a few times a pass.
 */
function planStoreOn(path: string): TofuPlanStore {
  const withStore = <T>(use: (store: TofuPlanStore) => T): T => {
    const store = openTofuPlanStore(path);
    try {
      return use(store);
    } finally {
      store.close();
    }
  };
  return {
    save: (input: TofuPlanInput) => withStore((store) => store.save(input)),
    get: (id) => withStore((store) => store.get(id)),
    latest: (product) => withStore((store) => store.latest(product)),
    restore: (id, file) => withStore((store) => store.restore(id, file)),
    close: () => undefined,
  };
}

/**
 * Plans without writing anything under the state folder. When the product's working directory
 * is as its last run left it (same module files and variables), tofu plans right there without
 * locking and with its plan file elsewhere (`TofuRunner.planInPlace`), which writes nothing;
 * otherwise in a fresh folder under the system's temporary directory that looks like the real
 * working directory from inside (see `prepareScratch`), removed afterwards. Values tofu derives
 * from the working directory's absolute path (`abspath(path.root)`) differ in such a folder.
 */
function scratchRunner(realDir: string, options: InfraRunnerOptions): InfraRunner {
  return {
    readOnly: true,
    async plan(workspace) {
      const scratch = await mkdtemp(join(tmpdir(), 'codemonkeys-tofu-'));
      try {
        const real = new TofuRunner({ dir: realDir, plans: refusingPlanStore(), env: options.env });
        const inPlace = await real.planInPlace(workspace, scratch);
        if (inPlace) return inPlace;
        await prepareScratch(realDir, scratch, workspace);
        const runner = new TofuRunner({
          dir: scratch,
          plans: refusingPlanStore(),
          env: options.env,
          logger: options.logger,
        });
        return await runner.plan(workspace, { save: false });
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
    async apply(workspace) {
      throw new CodemonkeysError(`${workspace.product}: nothing is applied on a read-only (dry) run`, {
        reason: 'ReadOnly',
        next: 'stalled',
      });
    },
    latestPlan: () => undefined,
  };
}

/** What a scratch folder never takes from the real working directory: tofu's and our own working files. */
const NOT_LINKED =
  /^(\.terraform|\.codemonkeys|\.terraform\.lock\.hcl|\.terraform\.tfstate\.lock\.info|terraform\.tfstate.*)$/;

/**
 * Makes the scratch working directory look like the real one from inside: a copy of the local
 * state and dependency lock file, and a link to everything else in it that is not the module
 * (what the module's resources keep relative to the working directory, such as static-site's
 * `site/`), so that refreshing them reads the real files. Module files are copied by the runner.
 */
async function prepareScratch(realDir: string, scratchDir: string, workspace: TofuWorkspace): Promise<void> {
  const from = workspacePaths(realDir, workspace.product).dir;
  const to = workspacePaths(scratchDir, workspace.product).dir;
  await mkdir(to, { recursive: true });
  const entries = await readdir(from).catch(() => [] as string[]);
  if (entries.length === 0) return;
  const moduleNames = new Set([
    ...(await readdir(workspace.moduleDir).catch(() => [] as string[])),
    ...(await copiedModuleNames(from)),
  ]);
  for (const name of entries) {
    if (name === 'terraform.tfstate' || name === '.terraform.lock.hcl') {
      await copyFile(join(from, name), join(to, name));
      continue;
    }
    if (NOT_LINKED.test(name) || moduleNames.has(name)) continue;
    await symlink(join(from, name), join(to, name));
  }
}

/** The top-level names of the module files the real working directory holds (the runner lists them). */
async function copiedModuleNames(workDir: string): Promise<string[]> {
  try {
    const manifest = JSON.parse(await readFile(join(workDir, '.codemonkeys', 'module-files.json'), 'utf8'));
    return Object.keys(manifest as Record<string, unknown>).map((file) => file.split('/')[0] ?? file);
  } catch {
    return [];
  }
}

function refusingPlanStore(): TofuPlanStore {
  const refuse = (): never => {
    throw new CodemonkeysError('a read-only run keeps no tofu plans', {
      reason: 'ReadOnly',
      next: 'stalled',
    });
  };
  return {
    save: refuse,
    get: () => undefined,
    latest: () => undefined,
    restore: refuse,
    close: () => undefined,
  };
}
