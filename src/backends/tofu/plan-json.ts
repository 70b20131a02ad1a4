import { createHash } from 'node:crypto';
import { canonicalJson } from '../../actions/canonical.js';
import { CodemonkeysError } from '../../errors.js';

/** What tofu would do to one resource instance; `replace` is a delete and a create in either order. */
export type TofuResourceAction = 'create' | 'update' | 'delete' | 'replace' | 'forget';

/** One resource instance the plan would change, or that changed outside tofu (drift). */
export interface TofuResourceChange {
  address: string;
  action: TofuResourceAction;
}

/**
 * What a plan would do, counted as tofu's own "Plan: X to add, Y to change, Z to destroy" counts
 * them (a replace is one add and one destroy), with every resource address it touches. No values:
 * it goes into plans, PR comments and the audit log.
 */
export interface TofuPlanSummary {
  add: number;
  change: number;
  destroy: number;
  /** Resources tofu would stop managing without destroying them (`removed` blocks). */
  forget: number;
  /** Root outputs whose value would change. */
  outputs: number;
  /** Every resource change, sorted by address. */
  resources: TofuResourceChange[];
  /** Resources whose real state differs from the last apply (`resource_drift`), sorted by address. */
  drift: TofuResourceChange[];
}

/** The summary of a plan and a hash of its changes. */
export interface ReadPlan {
  summary: TofuPlanSummary;
  /** sha256 over the planned changes (addresses, actions, values before and after); equal for equal plans. */
  fingerprint: string;
}

interface RawChange {
  address?: unknown;
  change?: { actions?: unknown; before?: unknown; after?: unknown; after_unknown?: unknown };
}

/**
 * Reads the JSON plan representation `tofu show -json <planfile>` prints
 * (https://opentofu.org/docs/internals/json-format/#plan-representation): `resource_changes[]`
 * and `resource_drift[]` with `change.actions`, `output_changes{}`. Lenient: unknown fields are
 * ignored, missing lists count as empty; only a different major `format_version` is refused, as
 * the format's own rules ask. `workdirs`: the working directory the plan was made in (as given and
 * as the system resolves it): a value naming it (a module's `abspath(path.root)`) counts as the
 * same wherever that directory is, so a dry run's scratch copy gives the real directory's fingerprint.
 */
export function readPlanJson(text: string, workdirs: readonly string[] = []): ReadPlan {
  const plan = parsePlan(text);
  const changes = asArray<RawChange>(plan.resource_changes);
  const resources = sortByAddress(changes.flatMap(toResourceChange));
  const drift = sortByAddress(asArray<RawChange>(plan.resource_drift).flatMap(toResourceChange));
  const outputChanges = isRecord(plan.output_changes) ? plan.output_changes : {};
  const summary: TofuPlanSummary = {
    ...countActions(resources),
    outputs: Object.values(outputChanges).filter((output) => isChanging(actionsOf(output))).length,
    resources,
    drift,
  };
  return { summary, fingerprint: fingerprintOf(changes, outputChanges, workdirs) };
}

function parsePlan(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CodemonkeysError('tofu show -json printed something that is not JSON', {
      reason: 'TofuOutputUnreadable',
      next: 'transient',
      cause: error,
    });
  }
  if (!isRecord(value)) {
    throw new CodemonkeysError('tofu show -json printed no plan object', {
      reason: 'TofuOutputUnreadable',
      next: 'transient',
    });
  }
  const version = typeof value.format_version === 'string' ? value.format_version : '1.0';
  if (version.split('.')[0] !== '1') {
    throw new CodemonkeysError(
      `tofu's plan JSON has format_version ${version}; this codemonkeys reads format 1.x: upgrade codemonkeys`,
      { reason: 'TofuOutputUnsupported', next: 'stalled' },
    );
  }
  return value;
}

/** `change.actions` as tofu lists them, turned into one action; no-op and read are no change. */
export function classifyActions(actions: readonly string[]): TofuResourceAction | undefined {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  if (actions.includes('create')) return 'create';
  if (actions.includes('delete')) return 'delete';
  if (actions.includes('update')) return 'update';
  if (actions.includes('forget')) return 'forget';
  return undefined;
}

function toResourceChange(raw: RawChange): TofuResourceChange[] {
  const action = classifyActions(actionsOf(raw));
  if (!action || typeof raw.address !== 'string') return [];
  return [{ address: raw.address, action }];
}

function countActions(
  resources: readonly TofuResourceChange[],
): Omit<TofuPlanSummary, 'outputs' | 'resources' | 'drift'> {
  const counts = { add: 0, change: 0, destroy: 0, forget: 0 };
  for (const { action } of resources) {
    if (action === 'create' || action === 'replace') counts.add += 1;
    if (action === 'delete' || action === 'replace') counts.destroy += 1;
    if (action === 'update') counts.change += 1;
    if (action === 'forget') counts.forget += 1;
  }
  return counts;
}

function fingerprintOf(
  changes: readonly RawChange[],
  outputs: Record<string, unknown>,
  workdirs: readonly string[],
): string {
  const material = {
    resources: changes.map((raw) => ({
      address: raw.address ?? null,
      actions: actionsOf(raw),
      before: raw.change?.before ?? null,
      after: raw.change?.after ?? null,
      afterUnknown: raw.change?.after_unknown ?? null,
    })),
    outputs: Object.fromEntries(
      Object.entries(outputs).map(([name, output]) => {
        const change = isRecord(output) ? output : {};
        return [
          name,
          { actions: actionsOf(output), before: change.before ?? null, after: change.after ?? null },
        ];
      }),
    ),
  };
  let text = canonicalJson(material);
  // Longest first: a directory given through a symlink may contain the resolved one.
  for (const dir of [...new Set(workdirs)]
    .filter((each) => each.length > 1)
    .sort((a, b) => b.length - a.length))
    text = text.split(JSON.stringify(dir).slice(1, -1)).join('<working directory>');
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function actionsOf(value: unknown): string[] {
  if (!isRecord(value)) return [];
  const holder = isRecord(value.change) ? value.change : value;
  const actions = holder.actions;
  return Array.isArray(actions) ? actions.filter((item): item is string => typeof item === 'string') : [];
}

function isChanging(actions: readonly string[]): boolean {
  return actions.some((action) => action !== 'no-op' && action !== 'read');
}

function sortByAddress(changes: TofuResourceChange[]): TofuResourceChange[] {
  return changes.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
