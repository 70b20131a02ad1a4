import { join } from 'node:path';
import { pruneBuilds } from '../backends/localci/prune.js';
import type { Runtime } from '../engine/runtime.js';
import type { PruneCounts } from '../store/retention.js';
import { parseDuration } from '../util/duration.js';

/** What `spec.retention` keeps when it says nothing. */
export const RETENTION_DEFAULTS = {
  builds: { keep: 20, maxAge: '30d' },
  journal: '90d',
  plans: '30d',
  tofuPlans: '30d',
  observations: '30d',
} as const;

/** How often the daemon sweeps: retention is about days, and a sweep reads every build record. */
export const SWEEP_EVERY_MS = 60 * 60_000;

/** What one sweep removed: records of the state, and build folders of the local runner. */
export type RetentionReport = PruneCounts & { builds: number };

/**
 * One retention sweep of the fleet in force (`spec.retention`, RETENTION_DEFAULTS otherwise):
 * old finished journal entries, superseded decisions, saved plans and tofu plans, observations of
 * products gone from the fleet, and the local runner's old build folders. The audit log is never
 * pruned; the sweep itself is audited (`retention.pruned`) when it removed anything.
 */
export async function sweepRetention(runtime: Runtime, now: Date): Promise<RetentionReport> {
  const spec = runtime.fleet.fleet.manifest.spec.retention ?? {};
  const ago = (duration: string) => new Date(now.getTime() - parseDuration(duration));
  const counts = runtime.store.prune(
    {
      journal: ago(spec.journal?.maxAge ?? RETENTION_DEFAULTS.journal),
      plans: ago(spec.plans?.maxAge ?? RETENTION_DEFAULTS.plans),
      tofuPlans: ago(spec.tofuPlans?.maxAge ?? RETENTION_DEFAULTS.tofuPlans),
      observations: ago(spec.observations?.maxAge ?? RETENTION_DEFAULTS.observations),
      products: [...runtime.fleet.products.keys()],
    },
    now,
  );
  const builds = await pruneBuilds(
    join(runtime.stateDir, 'ci'),
    {
      keep: spec.builds?.keep ?? RETENTION_DEFAULTS.builds.keep,
      maxAgeMs: parseDuration(spec.builds?.maxAge ?? RETENTION_DEFAULTS.builds.maxAge),
    },
    now,
  );
  return { ...counts, builds };
}
