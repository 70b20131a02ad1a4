import { join } from 'node:path';
import type { Action } from '../../actions/action.js';
import type { TofuApplyResult, TofuWorkspace } from '../../backends/tofu/index.js';
import { CodemonkeysError } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { detachedRunStarted } from '../../util/detached/run.js';
import type { ActuateContext } from '../actuator.js';
import type { InfraRunner } from './runner.js';
import { tofuService } from './runner.js';
import { infraWorkspace, withModule } from './workspace.js';

/** What `infra.apply` records in the journal: tofu's own counts of what the apply did. */
export interface InfraApplyResult {
  /** The saved plan that was applied; null when a fresh plan found nothing left to change. */
  planId: string | null;
  add: number;
  change: number;
  destroy: number;
  warnings: string[];
}

/**
 * infra.apply: applies the product's newest saved plan when it holds the changes the action was
 * planned (and approved) for, by fingerprint. Otherwise — none saved, or tofu finds it stale —
 * it plans again and applies that plan only if its changes are still the same; different
 * changes are refused (`PlanOutdated`, transient: the next pass plans them as a new action).
 */
export async function applyInfra(action: Action, context: ActuateContext): Promise<InfraApplyResult> {
  const product = context.fleet.products.get(action.product);
  if (!product?.manifest.spec.infra) {
    throw new CodemonkeysError(`${action.product} has no infra block in this revision of the fleet`, {
      reason: 'InfraNotConfigured',
      next: 'stalled',
    });
  }
  const tofu = context.services.get(tofuService);
  const fingerprint = String(action.params.fingerprint);
  const moduleContext = { fleetDir: context.fleetDir, env: context.env };
  return withModule(product, moduleContext, async (module) => {
    const workspace = await infraWorkspace(product, module, moduleContext);
    const saved = tofu.latestPlan(product.id);
    if (saved?.fingerprint === fingerprint) {
      try {
        return applied(await tofu.apply(workspace, saved.id, detachedIn(context, 'apply-saved')));
      } catch (error) {
        if (!(error instanceof CodemonkeysError && error.reason === 'TofuPlanStale')) throw error;
      }
    }
    return planAndApply(tofu, workspace, fingerprint, context);
  });
}

/**
 * Where an apply runs detached: a subfolder of the attempt's folder per apply, so that a
 * restarted reconciler resuming the action finds each apply that ran (the saved plan's, refused
 * as stale; then the fresh plan's) and runs none of them twice.
 */
function detachedIn(context: ActuateContext, name: string): { detachedDir?: string } {
  return context.actionDir === undefined ? {} : { detachedDir: join(context.actionDir, name) };
}

async function planAndApply(
  tofu: InfraRunner,
  workspace: TofuWorkspace,
  fingerprint: string,
  context: ActuateContext,
): Promise<InfraApplyResult> {
  const detached = detachedIn(context, 'apply-fresh');
  const latest = tofu.latestPlan(workspace.product);
  if (detached.detachedDir !== undefined && detachedRunStarted(detached.detachedDir) && latest) {
    // Resumed after the process that planned afresh and started applying died: no new plan while
    // that apply may still run; the plan it applied is the newest saved one.
    return applied(await tofu.apply(workspace, latest.id, detached));
  }
  const fresh = await tofu.plan(workspace, { save: true });
  if (!fresh.changed) return { planId: null, add: 0, change: 0, destroy: 0, warnings: [] };
  if (fresh.fingerprint !== fingerprint || fresh.planId === null) {
    throw new CodemonkeysError(
      `${workspace.product}: tofu now plans other changes than the ones this action was planned for; the next pass plans them again`,
      { reason: 'PlanOutdated', next: 'transient' },
    );
  }
  return applied(await tofu.apply(workspace, fresh.planId, detached));
}

function applied(result: TofuApplyResult): InfraApplyResult {
  return {
    planId: result.planId,
    add: result.add,
    change: result.change,
    destroy: result.destroy,
    warnings: result.warnings.map((warning) => redactor.redactText(warning)),
  };
}
