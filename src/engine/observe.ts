import PQueue from 'p-queue';
import { CodemonkeysError } from '../errors.js';
import type { FacetObservation, ObserveContext, ProductObservation } from '../facets/facet.js';
import { FACETS } from '../facets/index.js';
import type { Product } from '../fleet/model.js';
import { redactor } from '../log/redact.js';

/**
 * Products observed at once per action at once (`reconcile.concurrency`): observations are reads,
 * mostly spent waiting on servers (a Jenkins busy with builds answers late), and a pass lasts as
 * long as its slowest observations, one batch after another — as Argo CD runs more status
 * processors than operation processors. Facets whose observation runs programs on this machine
 * (`runsLocalProcesses`: ansible-playbook, tofu) stay within `reconcile.concurrency` themselves.
 */
export const OBSERVE_CONCURRENCY_FACTOR = 4;

/**
 * Observe: every configured facet of every product, products in parallel (bounded: see
 * OBSERVE_CONCURRENCY_FACTOR), the facets of one product one after the other. A facet that cannot
 * be observed is recorded with its error; it never stops the others. Read-only.
 */
export async function observeProducts(
  products: Product[],
  context: ObserveContext,
  concurrency: number,
): Promise<Map<string, ProductObservation>> {
  const queue = new PQueue({ concurrency: OBSERVE_CONCURRENCY_FACTOR * concurrency });
  const processes = new PQueue({ concurrency });
  const observations = new Map<string, ProductObservation>();
  prepareLooks(products, context);
  await Promise.all(
    products.map((product) =>
      queue.add(async () => {
        const limit = <T>(run: () => Promise<T>) => processes.add(run) as Promise<T>;
        const observation = await observeProduct(product, context, limit);
        observations.set(product.id, observation);
      }),
    ),
  );
  return observations;
}

/**
 * Tells each facet which products are about to be looked at (`prepare`): the build facet then
 * reads a Jenkins org folder's jobs in one request instead of one per product.
 */
export function prepareLooks(products: readonly Product[], context: ObserveContext): void {
  for (const facet of FACETS.values()) {
    facet.prepare?.(
      products.filter((product) => facet.configured(product)),
      context,
    );
  }
}

export async function observeProduct(
  product: Product,
  context: ObserveContext,
  withinProcessLimit: <T>(run: () => Promise<T>) => Promise<T> = (run) => run(),
): Promise<ProductObservation> {
  const observation: ProductObservation = { product: product.id, facets: {} };
  for (const facet of FACETS.values()) {
    if (!facet.configured(product)) continue;
    let result: FacetObservation;
    try {
      const observe = () => facet.observe(product, context);
      const value = await (facet.runsLocalProcesses ? withinProcessLimit(observe) : observe());
      result = { ok: true, value, observedAt: context.now.toISOString() };
    } catch (error) {
      result = { ok: false, error: describe(error), observedAt: context.now.toISOString() };
      context.logger.warn(
        { product: product.id, facet: facet.name, reason: result.error.reason },
        'observation failed',
      );
    }
    observation.facets[facet.name] = result;
  }
  return observation;
}

function describe(error: unknown): {
  message: string;
  reason: string;
  next: 'stalled' | 'waiting' | 'transient';
} {
  const message = redactor.redactText(error instanceof Error ? error.message : String(error));
  if (error instanceof CodemonkeysError) return { message, reason: error.reason, next: error.next };
  return { message, reason: 'ObserveFailed', next: 'transient' };
}
