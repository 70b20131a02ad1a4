import { localBranchHeads } from './local-refs.js';
import { remoteBranchHeads } from './remote.js';

/** How long a loop trusts a branch head it read: a push is seen at the latest this much later. */
export const HEADS_TTL_MS = 10_000;

/**
 * Branch heads a reconcile loop read recently, by repository and branches: while builds run, a
 * pass every second would otherwise spawn one `git ls-remote` per product each time. A head is
 * read again once it is older than the TTL, and at once after the reconciler itself pushed to
 * the repository (`invalidate`). Reads of the same repository at once share one `ls-remote`.
 * A repository on this machine whose ref files can be read (`localBranchHeads`) is read afresh
 * every time: that costs less than remembering it.
 */
export class HeadsCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #read: typeof remoteBranchHeads;
  readonly #local: typeof localBranchHeads;
  readonly #entries = new Map<string, { at: number; heads: Promise<Map<string, string>> }>();
  #remembered = false;

  constructor(
    options: {
      ttlMs?: number;
      now?: () => number;
      read?: typeof remoteBranchHeads;
      local?: typeof localBranchHeads;
    } = {},
  ) {
    this.#ttlMs = options.ttlMs ?? HEADS_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#read = options.read ?? remoteBranchHeads;
    this.#local = options.local ?? localBranchHeads;
  }

  /** `branchHeads(repoUrl, branches)`, from the cache while it is fresh. A failed read is not kept. */
  async heads(repoUrl: string, branches: readonly string[]): Promise<Map<string, string>> {
    const local = await this.#local(repoUrl, branches);
    if (local !== undefined) return local;
    const key = `${repoUrl}\u0000${[...branches].sort().join('\u0000')}`;
    const now = this.#now();
    const known = this.#entries.get(key);
    if (known && now - known.at < this.#ttlMs) {
      this.#remembered = true;
      return known.heads;
    }
    const heads = this.#read(repoUrl, branches);
    this.#entries.set(key, { at: now, heads });
    heads.catch(() => {
      if (this.#entries.get(key)?.heads === heads) this.#entries.delete(key);
    });
    return heads;
  }

  /** True when a read was answered from memory since the cache was last cleared. */
  servedRemembered(): boolean {
    return this.#remembered;
  }

  /** Forgets everything: the next reads go to the repositories. */
  clear(): void {
    this.#entries.clear();
    this.#remembered = false;
  }

  /** Forgets every head read from the repository (after a push to it). */
  invalidate(repoUrl: string): void {
    for (const key of this.#entries.keys()) if (key.startsWith(`${repoUrl}\u0000`)) this.#entries.delete(key);
  }
}
