import type { GatedAction } from '../actions/action.js';
import { canonicalJson } from '../actions/canonical.js';
import type { LoadResult } from '../fleet/load.js';
import type { Fleet, Rule } from '../fleet/model.js';
import type { Plan } from './plan-model.js';

export interface ManifestChange {
  file: string;
  change: 'added' | 'changed' | 'removed';
  /** `Product acme/widget`, `Fleet`, `Constitution`, when the file could be read as one. */
  what: string;
}

export interface ConstitutionChange {
  changed: boolean;
  rulesAdded: string[];
  rulesRemoved: string[];
  rulesChanged: string[];
  defaultEffect?: { base: string; head: string };
  exceptionsChanged: boolean;
}

export interface PlanComparison {
  added: GatedAction[];
  removed: GatedAction[];
  /** Same action (product, kind, idempotency key) with another verdict or other parameters. */
  changed: { base: GatedAction; head: GatedAction }[];
  unchanged: number;
}

/** What a pull request of the fleet repo does: manifests, constitution, and the plan it leads to. */
export interface PullRequestView {
  base: { revision: string | null; result: LoadResult };
  head: { revision: string | null; result: LoadResult };
  manifests: ManifestChange[];
  constitution: ConstitutionChange;
  basePlan: Plan | undefined;
  headPlan: Plan | undefined;
  comparison: PlanComparison;
}

/** Manifest files added, changed or removed between two loads of the fleet. */
export function compareManifests(base: LoadResult, head: LoadResult): ManifestChange[] {
  const changes: ManifestChange[] = [];
  const files = new Set([...base.sources.keys(), ...head.sources.keys()]);
  for (const file of [...files].sort()) {
    const before = base.sources.get(file);
    const after = head.sources.get(file);
    if (before === after) continue;
    const change = before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
    changes.push({
      file,
      change,
      what:
        describeFile(file, change === 'removed' ? base.fleet : head.fleet) ??
        describeFile(file, base.fleet) ??
        file,
    });
  }
  return changes;
}

function describeFile(file: string, fleet: Fleet | undefined): string | undefined {
  if (!fleet) return undefined;
  if (fleet.fleet.file === file) return 'Fleet';
  if (fleet.constitution.file === file) return 'Constitution';
  for (const product of fleet.products.values()) if (product.file === file) return `Product ${product.id}`;
  return undefined;
}

/** Rules added, removed or changed, and whether the default or the exceptions changed. */
export function compareConstitutions(base: Fleet | undefined, head: Fleet | undefined): ConstitutionChange {
  const before = base?.constitution.manifest.spec;
  const after = head?.constitution.manifest.spec;
  const rulesOf = (rules: Rule[] | undefined) =>
    new Map((rules ?? []).map((rule) => [rule.id, canonicalJson(rule)]));
  const baseRules = rulesOf(before?.rules);
  const headRules = rulesOf(after?.rules);
  const change: ConstitutionChange = {
    changed: canonicalJson(before ?? null) !== canonicalJson(after ?? null),
    rulesAdded: [...headRules.keys()].filter((id) => !baseRules.has(id)),
    rulesRemoved: [...baseRules.keys()].filter((id) => !headRules.has(id)),
    rulesChanged: [...headRules.keys()].filter(
      (id) => baseRules.has(id) && baseRules.get(id) !== headRules.get(id),
    ),
    exceptionsChanged: canonicalJson(before?.exceptions ?? []) !== canonicalJson(after?.exceptions ?? []),
  };
  const baseDefault = before?.defaultEffect ?? 'allow';
  const headDefault = after?.defaultEffect ?? 'allow';
  if (before && after && baseDefault !== headDefault)
    change.defaultEffect = { base: baseDefault, head: headDefault };
  return change;
}

/** Actions matched by product, kind and idempotency key: added, removed, changed verdict or parameters. */
export function comparePlans(base: Plan | undefined, head: Plan | undefined): PlanComparison {
  const key = (action: GatedAction) => `${action.product}\u0000${action.kind}\u0000${action.idempotencyKey}`;
  const before = new Map((base?.actions ?? []).map((action) => [key(action), action]));
  const after = new Map((head?.actions ?? []).map((action) => [key(action), action]));
  const comparison: PlanComparison = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [k, action] of after) {
    const old = before.get(k);
    if (!old) comparison.added.push(action);
    else if (old.id !== action.id || canonicalJson(old.verdict) !== canonicalJson(action.verdict))
      comparison.changed.push({ base: old, head: action });
    else comparison.unchanged++;
  }
  for (const [k, action] of before) if (!after.has(k)) comparison.removed.push(action);
  return comparison;
}
