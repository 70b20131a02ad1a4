import { HeadsCache } from '../backends/git/heads-cache.js';
import { LoadCache } from '../fleet/load-cache.js';
import type { Condition } from '../store/store.js';
import { IncrementalPlanner } from './incremental.js';
import { PlanCache } from './plan-cache.js';

/**
 * What a reconcile loop keeps from one pass to the next, so that a pass after a small change
 * costs about that change: unchanged manifests are not parsed again, unchanged products not
 * planned or gated again, and the decision log gets one entry per action and verdict.
 */
export interface LoopState {
  load: LoadCache;
  plan: PlanCache;
  planner: IncrementalPlanner;
  /** The last verdict fingerprint recorded in the decision log, per action. */
  decisions: Map<string, string>;
  /** What each product's last observation said (timestamps aside), to tell which changed. */
  observed: Map<string, string>;
  /** The last audit entry the planner has seen: newer ones name products whose journal or approvals changed. */
  auditSeq: number;
  /** Branch heads read in the last few seconds (see HeadsCache). */
  heads: HeadsCache;
  /** The status conditions the last pass left in the store, by product (undefined before the first pass). */
  conditions?: Map<string, Condition[]>;
}

export function newLoopState(): LoopState {
  return {
    load: new LoadCache(),
    plan: new PlanCache(),
    planner: new IncrementalPlanner(),
    decisions: new Map(),
    observed: new Map(),
    auditSeq: 0,
    heads: new HeadsCache(),
  };
}
