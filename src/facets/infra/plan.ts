import type { Product } from '../../fleet/model.js';
import type { FacetPlan, PlanContext, ProposedAction } from '../facet.js';
import type { InfraObservation, InfraSummary } from './observe.js';

/** What a product's spec says to do about a plan with changes. */
export type DriftPolicy = 'auto' | 'propose' | 'alert';

/** The policy when the spec names none, as the product schema's default. */
export const DEFAULT_DRIFT_POLICY: DriftPolicy = 'propose';

/** The rule id a `drift: propose` approval is asked under, as verdicts and the audit log name it. */
export const PROPOSE_SOURCE = 'spec:infra.drift';

/**
 * After the same changes were applied, how long a plan that shows them again waits before they
 * are applied again: a module or provider that never converges must not be applied every pass.
 */
export const REAPPLY_PAUSE_MS = 60_000;

/** How many addresses the reason of an action lists. */
const SHOWN_ADDRESSES = 3;

/** in-sync: the real infrastructure matches the module; drifted: the plan has changes. */
export function infraState(observed: InfraObservation): string {
  return observed.changed ? 'drifted' : 'in-sync';
}

/**
 * No changes: ready. Changes: `infra.apply` of them (`drift: auto`), the same action awaiting
 * an approval by the org's approvers (`propose`), or nothing but a stalled status (`alert`).
 * The action is bound to the plan's fingerprint, not to a plan file: every pass plans again, and
 * an action (and an approval of it) must stay the same while the changes do.
 */
export function planInfra(
  product: Product,
  observed: InfraObservation,
  context: Pick<PlanContext, 'journal' | 'now'>,
): FacetPlan {
  if (!observed.changed) {
    return {
      actions: [],
      status: { state: 'ready', reason: 'InSync', message: `in sync with ${observed.module}` },
    };
  }
  const policy = product.manifest.spec.infra?.drift ?? DEFAULT_DRIFT_POLICY;
  const what = `${observed.module}: ${describeChanges(observed.summary)}`;
  if (policy === 'alert') {
    return {
      actions: [],
      status: { state: 'stalled', reason: 'InfraDrifted', message: `${what} (drift: alert, reported only)` },
    };
  }
  const { key, appliedAt } = freshKey(`infra.apply:${product.id}:${observed.fingerprint}`, context.journal);
  const again = appliedAt === undefined ? undefined : Date.parse(appliedAt) + REAPPLY_PAUSE_MS;
  if (again !== undefined && again > context.now.getTime()) {
    return {
      actions: [],
      status: {
        state: 'stalled',
        reason: 'InfraNotConverging',
        message: `${what}: these very changes were applied at ${appliedAt} and are planned again, so the module or its provider does not converge; not applied again before ${new Date(again).toISOString()}`,
      },
    };
  }
  const { summary } = observed;
  const action: ProposedAction = {
    kind: 'infra.apply',
    params: { module: observed.module, fingerprint: observed.fingerprint },
    reason: what,
    idempotencyKey: key,
    changeClass: summary.destroy > 0 ? 'destroy' : 'change',
    changes: { add: summary.add, change: summary.change, destroy: summary.destroy },
  };
  if (policy === 'propose') {
    action.approval = {
      source: PROPOSE_SOURCE,
      message: `${product.id} applies infrastructure changes only when approved (drift: propose).`,
    };
  }
  return {
    actions: [action],
    status: {
      state: 'progressing',
      reason: policy === 'propose' ? 'InfraChangesProposed' : 'InfraChangesPlanned',
      message: what,
    },
  };
}

/** `2 to add, 0 to change, 1 to destroy (create a, delete b, …); changed outside tofu: a`. */
export function describeChanges(summary: InfraSummary): string {
  const counts = `${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy`;
  const resources = listed(
    summary.resources.map((change) => `${change.action} ${change.address}`),
    summary.moreResources,
  );
  const drift = listed(
    summary.drift.map((change) => change.address),
    summary.moreDrift,
  );
  const outputs =
    summary.resources.length === 0 && summary.outputs > 0 ? ` (${summary.outputs} outputs)` : '';
  return `${counts}${resources ? ` (${resources})` : outputs}${drift ? `; changed outside tofu: ${drift}` : ''}`;
}

function listed(items: string[], more: number): string {
  if (items.length === 0) return '';
  const hidden = items.length - SHOWN_ADDRESSES + more;
  const shown = items.slice(0, SHOWN_ADDRESSES).join(', ');
  return hidden > 0 ? `${shown} and ${hidden} more` : shown;
}

/**
 * The first key of the chain key, key:again:<t1>, key:again:<t1>:again:<t2>… that has not run
 * yet, and when the last one that did finished: the same changes planned again after they were
 * applied (the same drift once more) are a new apply, as the build facet's configure is.
 */
function freshKey(
  key: string,
  journal: PlanContext['journal'],
): { key: string; appliedAt: string | undefined } {
  let current = key;
  let appliedAt: string | undefined;
  const seen = new Set<string>();
  for (let entry = journal(current); entry?.state === 'succeeded'; entry = journal(current)) {
    seen.add(current);
    appliedAt = entry.finishedAt ?? entry.startedAt;
    current = `${key}:again:${appliedAt}`;
    // Two applies recorded at the same instant would name the same next key; end the chain there.
    if (seen.has(current)) break;
  }
  return { key: current, appliedAt };
}
