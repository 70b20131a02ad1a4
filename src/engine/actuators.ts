import type { ActionKind } from '../actions/kinds.js';
import type { Actuator } from '../facets/actuator.js';
import { actionKinds } from '../facets/index.js';
import { pruneProduct } from './prune.js';

/** Every actuator, by the action kind it carries out: the facets' (from the registry) and the product's own prune. */
export const ACTUATORS: ReadonlyMap<ActionKind, Actuator> = new Map<ActionKind, Actuator>([
  ...[...actionKinds()].map(([kind, spec]): [ActionKind, Actuator] => [kind, spec.actuate]),
  ['product.prune', pruneProduct],
]);

/** Kinds whose actuator pushes to the product's repository: heads read before them are stale after. */
export const WRITES_PRODUCT_REPO: ReadonlySet<ActionKind> = new Set(
  [...actionKinds()].filter(([, spec]) => spec.writesProductRepo === true).map(([kind]) => kind),
);
