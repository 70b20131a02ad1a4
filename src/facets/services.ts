import type { Fleet } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';

/** What a service is opened with: the fleet, where the reconciler keeps its files, the environment. */
export interface ServiceContext {
  fleet: Fleet;
  /** Absolute directory the fleet's relative paths are resolved against. */
  fleetDir: string;
  /** Folder of the state database; the reconciler's own files live below it. */
  stateDir: string;
  /** The state database file. */
  statePath: string;
  /** A dry run or `plan`: a service writes nothing of its own. */
  readOnly: boolean;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** `spec.reconcile.concurrency` of the fleet. */
  concurrency: number;
  /** The reconciler's clock, for the times a service records. */
  clock: Clock;
}

/**
 * A runner or client that facets use to reach the world (the CI backends, ansible-playbook,
 * OpenTofu), declared by the facets that need it and opened once per runtime by the engine,
 * which knows none of them. The object itself is the key a facet reads it back with.
 */
export interface Service<T> {
  readonly name: string;
  open(context: ServiceContext): T | Promise<T>;
}

/** The services of one runtime, by the Service that opened each. */
export class Services {
  readonly #opened: ReadonlyMap<Service<unknown>, unknown>;

  /** Services already opened (tests hand in their own). */
  constructor(opened: ReadonlyMap<Service<unknown>, unknown> = new Map()) {
    this.#opened = opened;
  }

  /** Opens every service once, in the order given; a service listed twice is opened once. */
  static async open(services: Iterable<Service<unknown>>, context: ServiceContext): Promise<Services> {
    const opened = new Map<Service<unknown>, unknown>();
    for (const service of services) {
      if (!opened.has(service)) opened.set(service, await service.open(context));
    }
    return new Services(opened);
  }

  /** The opened service; a facet that did not declare it gets an error naming it. */
  get<T>(service: Service<T>): T {
    if (!this.#opened.has(service))
      throw new Error(
        `service ${service.name} was not opened: the facet using it must list it in its services`,
      );
    return this.#opened.get(service) as T;
  }
}
