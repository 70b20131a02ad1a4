import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Action } from '../actions/action.js';
import type { ActuateContext } from '../facets/actuator.js';

/**
 * product.prune: a product removed from the fleet whose spec had `prune: true`, and that the
 * constitution allowed to go. Removes what the reconciler keeps of it (build records and logs,
 * cached observations) and forgets it. Facets that create things outside (deployments,
 * infrastructure) tear theirs down through their own actions before this one.
 */
export async function pruneProduct(action: Action, context: ActuateContext): Promise<unknown> {
  const [org, name] = action.product.split('/') as [string, string];
  const builds = join(context.stateDir, 'ci', 'builds', org, name);
  await rm(builds, { recursive: true, force: true });
  context.store.forgetProduct(action.product, context.now());
  return { removed: [builds] };
}
