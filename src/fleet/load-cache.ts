import type { ManifestDocument } from './document.js';
import type { LoadDiskCache } from './load-disk-cache.js';
import type { LastLoad } from './load-incremental.js';
import type { Product } from './model.js';
import type { Problem } from './problems.js';

/** What one file yields on its own: its document (if it parsed) and its own problems. */
export interface FileResult {
  text: string;
  document: ManifestDocument | undefined;
  /** Parse, envelope, schema and literal-secret problems: everything that depends on this file alone. */
  problems: Problem[];
}

/**
 * Per-file results reused while a file's text is unchanged, so that re-loading a fleet of
 * 10,000 products after one manifest changed parses and validates one file, not 10,000. The
 * cross-file checks still run over the whole fleet (they are cheap lookups).
 */
export class LoadCache {
  readonly #files = new Map<string, FileResult>();
  readonly #products = new WeakMap<ManifestDocument, Product>();
  #shapes = 0;
  /** The last valid load, which the incremental path starts from. */
  last: LastLoad | undefined;
  /** The disk cache of the fleet source last loaded, opened once (see LoadDiskCache). */
  disk: { source: string; files: LoadDiskCache } | undefined;

  /** A new shape token, for a fleet whose shape may have changed. */
  nextShapeToken(): number {
    this.#shapes++;
    return this.#shapes;
  }

  /** The cached result of a file, if its text is the same. */
  lookup(file: string, text: string): FileResult | undefined {
    const cached = this.#files.get(file);
    return cached && cached.text === text ? cached : undefined;
  }

  store(file: string, result: FileResult): void {
    this.#files.set(file, result);
  }

  /** Forgets files that are gone from the fleet. */
  retain(files: ReadonlySet<string>): void {
    for (const file of this.#files.keys()) if (!files.has(file)) this.#files.delete(file);
  }

  /** The same Product object for the same document, so that later stages can cache by identity. */
  product(document: ManifestDocument, make: () => Product): Product {
    let product = this.#products.get(document);
    if (!product) {
      product = make();
      this.#products.set(document, product);
    }
    return product;
  }
}
