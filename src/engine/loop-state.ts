import type { FacetName } from '../actions/kinds.js';
import type { LoopMemory } from '../facets/facet.js';
import { FACETS } from '../facets/index.js';
import { LoadCache } from '../fleet/load-cache.js';
import type { Condition } from '../store/store.js';
import type { Clock } from '../util/clock.js';
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
  /** What each facet remembers across this loop's looks (the build facet: branch heads for a few seconds). */
  memories: Map<FacetName, LoopMemory>;
  /** The status conditions the last pass left in the store, by product (undefined before the first pass). */
  conditions?: Map<string, Condition[]>;
}

export function newLoopState(clock: Clock): LoopState {
  return {
    load: new LoadCache(),
    plan: new PlanCache(),
    planner: new IncrementalPlanner(),
    decisions: new Map(),
    observed: new Map(),
    auditSeq: 0,
    memories: facetMemories(clock),
  };
}

function facetMemories(clock: Clock): Map<FacetName, LoopMemory> {
  const memories = new Map<FacetName, LoopMemory>();
  for (const facet of FACETS.values()) {
    const memory = facet.remember?.(clock);
    if (memory) memories.set(facet.name, memory);
  }
  return memories;
}

/** Forgets what every facet remembers: the next look reads everything afresh. */
export function forgetMemories(loop: LoopState): void {
  for (const memory of loop.memories.values()) memory.clear();
}

/** Whether a look since the memories were last cleared was answered from one of them. */
export function servedRemembered(loop: LoopState): boolean {
  return [...loop.memories.values()].some((memory) => memory.servedRemembered());
}

/** How long the loop may trust what it read: the shortest memory's freshness (10 s without one). */
export function trustMs(loop: LoopState): number {
  return Math.min(10_000, ...[...loop.memories.values()].map((memory) => memory.ttlMs));
}
