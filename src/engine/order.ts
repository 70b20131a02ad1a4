import type { Fleet } from '../fleet/model.js';
import { MinHeap } from './heap.js';

/** Product ids with every product after the products it depends on; ties by id. The fleet has no cycles. */
export function productOrder(fleet: Fleet): string[] {
  const dependencies = new Map<string, string[]>();
  for (const [id, product] of fleet.products) {
    dependencies.set(
      id,
      (product.manifest.spec.dependsOn ?? []).filter((dep) => fleet.products.has(dep)),
    );
  }
  return topologicalOrder([...fleet.products.keys()], (id) => dependencies.get(id) ?? []);
}

/**
 * Kahn's algorithm with a sorted ready list: deterministic for the same input, whatever the order
 * of `items`. Items whose dependencies cannot be satisfied (a cycle) come last, in input order.
 */
export function topologicalOrder(
  items: string[],
  dependsOn: (item: string) => string[],
  rank: (item: string) => string = (item) => item,
): string[] {
  const present = new Set(items);
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const item of items) {
    const deps = dependsOn(item).filter((dep) => present.has(dep) && dep !== item);
    waiting.set(item, deps.length);
    for (const dep of deps) {
      const list = dependents.get(dep);
      if (list) list.push(item);
      else dependents.set(dep, [item]);
    }
  }
  const ready = new MinHeap<string>(rank);
  for (const item of items) if (waiting.get(item) === 0) ready.push(item);
  const ordered: string[] = [];
  while (ready.size > 0) {
    const item = ready.pop() as string;
    ordered.push(item);
    for (const dependent of dependents.get(item) ?? []) {
      const left = (waiting.get(dependent) ?? 0) - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  if (ordered.length < items.length) {
    const placed = new Set(ordered);
    ordered.push(...items.filter((item) => !placed.has(item)));
  }
  return ordered;
}
