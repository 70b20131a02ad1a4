import type { ProductResult } from '../engine/product.js';
import type { Runtime } from '../engine/runtime.js';
import type { DaemonOptions } from './daemon.js';
import { eventsToSend, Notifier, type ReconcileView, resolveNotifyEndpoints } from './notify/index.js';

/**
 * Outgoing notifications (`spec.watch.notify`): what each product's reconcile changed (it became
 * Stalled, an action was newly denied), sent by a Notifier that never blocks the reconciler. The
 * endpoints are read again when fleet.yaml's `spec.watch.notify` changes. After a restart, the
 * stored conditions are what a product is compared with, so a product still Stalled is not
 * announced again (a denied action is, once).
 */
export class Notifications {
  readonly #options: DaemonOptions;
  readonly #previous = new Map<string, ReconcileView>();
  #notifier: Notifier | undefined;
  #configured = '';

  constructor(options: DaemonOptions) {
    this.#options = options;
  }

  started(runtime: Runtime): void {
    for (const [product, conditions] of runtime.store.conditions())
      this.#previous.set(product, { product, conditions, actions: [] });
    this.configure(runtime);
  }

  /** Reads the endpoints again when their spec changed; a failure (a secret not set) is logged. */
  configure(runtime: Runtime): void {
    const spec = runtime.fleet.fleet.manifest.spec.watch?.notify ?? [];
    const key = JSON.stringify(spec);
    if (key === this.#configured) return;
    this.#configured = key;
    const old = this.#notifier;
    this.#notifier = undefined;
    void old?.close();
    if (spec.length === 0) return;
    resolveNotifyEndpoints(runtime.fleet.fleet.manifest.spec.watch, {
      env: this.#options.env,
      baseDir: runtime.fleetDir,
    })
      .then((endpoints) => {
        if (this.#configured === key)
          this.#notifier = new Notifier({ endpoints, logger: this.#options.logger });
      })
      .catch((error: unknown) =>
        this.#options.logger.error(
          { err: error },
          'notifications are off: an endpoint secret cannot be read',
        ),
      );
  }

  reconciled(result: ProductResult): void {
    const events = eventsToSend(this.#previous.get(result.product), result, this.#options.clock());
    this.#previous.set(result.product, result);
    for (const event of events) this.#notifier?.send(event);
  }

  async close(): Promise<void> {
    await this.#notifier?.close();
  }
}
