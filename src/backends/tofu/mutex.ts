/**
 * Runs callbacks of the same key one after another, callbacks of different keys at once. The
 * runner uses it so that two passes never run tofu in one working directory together, and
 * `init`s never write the shared plugin cache together (tofu does not promise that is safe:
 * https://opentofu.org/docs/cli/config/config-file/#provider-plugin-cache).
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(fn);
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
