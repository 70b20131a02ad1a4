import type { GatedAction } from '../actions/action.js';
import type { Effect } from '../fleet/model.js';

/** Counts shown at the top of every rendering of a plan. */
export interface PlanSummary {
  products: number;
  actions: number;
  /** Actions that may run now (or as soon as the actions they wait on succeed). */
  runnable: number;
  blocked: number;
  byEffect: Record<Effect, number>;
  orphans: number;
}

/** A product that was in the fleet and no longer is: left alone unless it asked to be pruned. */
export interface Orphan {
  product: string;
  /** When it was first found missing; null in a read-only plan before any reconcile recorded it. */
  orphanedAt: string | null;
  /** The last fleet revision that had it. */
  lastSeenRevision: string | null;
  prune: boolean;
}

/** Status of a product as this plan sees it. */
export interface ProductPlanStatus {
  product: string;
  suspended: boolean;
  /** Per facet: ready / progressing / stalled, with why. */
  facets: Record<
    string,
    {
      state: 'ready' | 'progressing' | 'stalled' | 'error';
      reason: string;
      message: string;
      next?: 'stalled' | 'waiting' | 'transient';
      requeueAfterMs?: number;
    }
  >;
}

/**
 * The plan: what the reconciler would do, in order, with each action's verdict. `plan`,
 * `--dry-run`, the pull-request comment and `apply` all use this one serialisable object.
 */
export interface Plan {
  /** sha256 of the canonical JSON of everything below except `id` and `createdAt`. */
  id: string;
  createdAt: string;
  dryRun: boolean;
  fleet: { source: string; revision: string | null; dirty: boolean };
  /** Hash of the constitution's canonical JSON: decisions name the policy they were made under. */
  constitutionRevision: string;
  summary: PlanSummary;
  /** In execution order: every action comes after the actions it depends on. */
  actions: GatedAction[];
  products: ProductPlanStatus[];
  orphans: Orphan[];
}
