import type { FacetName } from '../actions/kinds.js';
import type { LoopMemory } from '../facets/facet.js';
import { FACETS } from '../facets/index.js';
import { LoadCache } from '../fleet/load-cache.js';
import type { Clock } from '../util/clock.js';

/**
 * What one `reconcile` run keeps from one look at a product to the next: unchanged manifests are
 * not parsed again when the fleet is reloaded, and the facets remember what they read for a few
 * seconds.
 */
export interface LoopState {
  load: LoadCache;
  /** What each facet remembers across this run's looks (the build facet: branch heads for a few seconds). */
  memories: Map<FacetName, LoopMemory>;
}

export function newLoopState(clock: Clock): LoopState {
  return { load: new LoadCache(), memories: facetMemories(clock) };
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
