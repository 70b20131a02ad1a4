import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
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
  /** `TofuRunner.apply` of a saved plan. */
  apply(workspace: TofuWorkspace, planId: string): Promise<TofuApplyResult>;
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
}

/** The runtime's OpenTofu runner: a writing one, or a read-only one that plans in scratch folders. */
export function openInfraRunner(options: InfraRunnerOptions): InfraRunner {
  const dir = join(options.stateDir, 'tofu');
  if (options.readOnly) return scratchRunner(dir, options);
  const plans = planStoreOn(options.statePath);
  const runner = new TofuRunner({ dir, plans, env: options.env, logger: options.logger });
  return {
    readOnly: false,
    plan: (workspace, planOptions) => runner.plan(workspace, planOptions),
    apply: (workspace, planId) => runner.apply(workspace, planId),
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
 * Plans without writing anything under the state folder: each plan runs in a fresh folder under
 * the system's temporary directory, with a copy of the product's local state (so the plan shows
 * what a real pass would), and the folder is removed afterwards.
 */
function scratchRunner(realDir: string, options: InfraRunnerOptions): InfraRunner {
  return {
    readOnly: true,
    async plan(workspace) {
      const scratch = await mkdtemp(join(tmpdir(), 'codemonkeys-tofu-'));
      try {
        await copyState(realDir, scratch, workspace.product);
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

/** Copies the product's local state and dependency lock file, when it has them, into the scratch folder. */
async function copyState(realDir: string, scratchDir: string, product: string): Promise<void> {
  const from = workspacePaths(realDir, product).dir;
  const to = workspacePaths(scratchDir, product).dir;
  await mkdir(to, { recursive: true });
  for (const file of ['terraform.tfstate', '.terraform.lock.hcl']) {
    await copyFile(join(from, file), join(to, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
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
