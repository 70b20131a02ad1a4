/** How many delivery ids are remembered by default: hours of a busy fleet's pushes and builds. */
export const DEFAULT_DELIVERY_MEMORY = 10_000;

/**
 * The delivery ids already acted on, so that a redelivery (a forge's retry or its "Redeliver"
 * button, a Jenkins notification retried) is not acted on twice. The memory is bounded: past
 * `capacity` ids the oldest is forgotten first, so a flood cannot grow it, and a redelivery older
 * than the last `capacity` deliveries is acted on again — harmless, as a reconcile re-observes
 * everything and an event only says when to look. It lives in the process: a restarted daemon
 * remembers nothing, which costs at most one extra reconcile per redelivery.
 */
export class DeliveryMemory {
  // A Set iterates in insertion order: its first entry is the oldest.
  readonly #seen = new Set<string>();

  constructor(readonly capacity: number = DEFAULT_DELIVERY_MEMORY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`delivery memory capacity must be a positive integer, got ${capacity}`);
    }
  }

  /** Whether this id was remembered (and not yet forgotten). */
  has(id: string): boolean {
    return this.#seen.has(id);
  }

  /** Remembers an id, forgetting the oldest one when full. */
  remember(id: string): void {
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    if (this.#seen.size > this.capacity) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  get size(): number {
    return this.#seen.size;
  }
}
