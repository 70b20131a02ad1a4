import type { TofuPlanSummary } from '../../backends/tofu/index.js';
import type { Product } from '../../fleet/model.js';
import { redactor } from '../../log/redact.js';
import type { ObserveContext } from '../facet.js';
import { tofuService } from './runner.js';
import { infraSpec, infraWorkspace, type ModuleSource, withModule } from './workspace.js';

/** At most this many resource addresses are kept per list: observations are cached and shown. */
export const MAX_ADDRESSES = 20;

/** A plan's summary as tofu counts it, with each address list cut to its first `MAX_ADDRESSES`. */
export interface InfraSummary extends TofuPlanSummary {
  /** How many resource changes and drifted resources the lists leave out. */
  moreResources: number;
  moreDrift: number;
}

/** What the infra facet sees: `tofu plan` of the product's module against the real thing. JSON-safe, no values. */
export interface InfraObservation {
  module: string;
  source: ModuleSource;
  /** False when the real infrastructure matches the module and its variables. */
  changed: boolean;
  /** Equal for plans of the same changes: the action carries it across passes. */
  fingerprint: string;
  summary: InfraSummary;
  /** Warnings tofu gave, located like errors. */
  warnings: string[];
}

/**
 * Plans the product's module (`tofu plan` on every pass: drift detection). A plan with changes
 * is saved for `infra.apply` unless the runtime is read-only or the product only wants alerts.
 */
export async function observeInfra(product: Product, context: ObserveContext): Promise<InfraObservation> {
  const tofu = context.services.get(tofuService);
  const save = !tofu.readOnly && (infraSpec(product).drift ?? 'propose') !== 'alert';
  const moduleContext = { fleetDir: context.fleetDir, env: context.env ?? process.env };
  return withModule(product, moduleContext, async (module) => {
    const workspace = await infraWorkspace(product, module, moduleContext);
    const planned = await tofu.plan(workspace, { save });
    return {
      module: module.label,
      source: module.source,
      changed: planned.changed,
      fingerprint: planned.fingerprint,
      summary: summarize(planned.summary),
      warnings: planned.warnings.map((warning) => redactor.redactText(warning)),
    };
  });
}

/** The summary with its address lists capped. */
export function summarize(summary: TofuPlanSummary): InfraSummary {
  return {
    add: summary.add,
    change: summary.change,
    destroy: summary.destroy,
    forget: summary.forget,
    outputs: summary.outputs,
    resources: summary.resources.slice(0, MAX_ADDRESSES),
    drift: summary.drift.slice(0, MAX_ADDRESSES),
    moreResources: Math.max(0, summary.resources.length - MAX_ADDRESSES),
    moreDrift: Math.max(0, summary.drift.length - MAX_ADDRESSES),
  };
}
