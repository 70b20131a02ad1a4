import type { ManifestDocument } from './document.js';
import type { LoadResult } from './load.js';
import type { FileResult } from './load-cache.js';
import type { Fleet, Product, ProductManifest } from './model.js';
import type { FleetFiles } from './source.js';

/** The last full load a cache remembers: what the incremental path starts from. */
export interface LastLoad {
  files: Map<string, string>;
  result: LoadResult & { fleet: Fleet };
  now: Date;
}

/**
 * The fast path of a cached load: when only product files changed, each still parses into a
 * valid product with no problem of its own, with the same shape (id, org, dependencies and the
 * other fields cross-file checks read), and no previous problem points into them, then every
 * cross-file result of the last load still holds: only the changed products are replaced. Any
 * other change returns undefined and the caller does the full load.
 */
export function reloadChangedProducts(
  input: FleetFiles,
  now: Date,
  last: LastLoad,
  loadFile: (file: string, text: string) => FileResult,
  productOf: (document: ManifestDocument, make: () => Product) => Product,
): LoadResult | undefined {
  if (input.files.size !== last.files.size) return undefined;
  if (exceptionExpiredBetween(last.result.fleet, last.now, now)) return undefined;
  const changed: [string, FileResult][] = [];
  for (const [file, text] of input.files) {
    const before = last.files.get(file);
    if (before === undefined) return undefined;
    if (before === text) continue;
    if (!file.startsWith('products/')) return undefined;
    changed.push([file, loadFile(file, text)]);
  }
  const products = new Map(last.result.fleet.products);
  const changedProducts: string[] = [];
  for (const [file, result] of changed) {
    const document = result.document;
    if (!document?.valid || document.kind !== 'Product' || result.problems.length > 0) return undefined;
    if (last.result.problems.some((problem) => problem.file === file)) return undefined;
    const manifest = document.value as unknown as ProductManifest;
    const id = `${manifest.metadata.org}/${manifest.metadata.name}`;
    const previous = products.get(id);
    if (!previous || previous.file !== file || shapeOf(previous.manifest) !== shapeOf(manifest))
      return undefined;
    products.set(
      id,
      productOf(document, () => ({ id, file, manifest })),
    );
    changedProducts.push(id);
  }
  const fleet: Fleet = {
    ...last.result.fleet,
    source: input.source,
    revision: input.revision,
    dirty: input.dirty,
    products,
  };
  return {
    ...last.result,
    fleet,
    sources: input.files,
    revision: input.revision,
    dirty: input.dirty,
    changedProducts,
  };
}

/** What the cross-file checks read of a product: if this is unchanged, their results are too. */
export function shapeOf(manifest: ProductManifest): string {
  const { metadata, spec } = manifest;
  return JSON.stringify([
    metadata.org,
    metadata.name,
    spec.dependsOn ?? [],
    spec.build !== undefined,
    spec.build?.ci ?? null,
    spec.repo.credentials ?? null,
    spec.heal?.enabled ?? null,
  ]);
}

/** Exception expiry is judged at load time (a warning); one passing in between needs a full load. */
function exceptionExpiredBetween(fleet: Fleet, before: Date, now: Date): boolean {
  return (fleet.constitution.manifest.spec.exceptions ?? []).some((exception) => {
    const expires = Date.parse(exception.expires);
    return (
      expires > Math.min(before.getTime(), now.getTime()) &&
      expires <= Math.max(before.getTime(), now.getTime())
    );
  });
}
