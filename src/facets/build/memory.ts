import { HEADS_TTL_MS, HeadsCache } from '../../backends/git/heads-cache.js';
import { resolveRepoUrl } from '../../backends/git/remote.js';
import type { Product } from '../../fleet/model.js';
import type { Clock } from '../../util/clock.js';
import type { LoopMemory } from '../facet.js';

/**
 * What the build facet remembers across the looks of one loop: branch heads of remote
 * repositories for HEADS_TTL_MS (while builds run, a loop looks every second or so, and each look
 * would otherwise run one `git ls-remote` per product against the git server).
 */
export class BuildMemory implements LoopMemory {
  readonly ttlMs = HEADS_TTL_MS;
  readonly #heads: HeadsCache;

  constructor(clock: Clock) {
    this.#heads = new HeadsCache({ now: () => clock().getTime() });
  }

  /** The branch heads of a repository, remembered while fresh (HeadsCache). */
  heads(repoUrl: string, branches: readonly string[]): Promise<Map<string, string>> {
    return this.#heads.heads(repoUrl, branches);
  }

  servedRemembered(): boolean {
    return this.#heads.servedRemembered();
  }

  clear(): void {
    this.#heads.clear();
  }

  forgetProduct(product: Product, fleetDir: string): void {
    this.#heads.invalidate(resolveRepoUrl(product.manifest.spec.repo.url, fleetDir));
  }
}
