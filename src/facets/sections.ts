import type { LoadResult } from '../fleet/load.js';
import { type Problem, sortProblems } from '../fleet/problems.js';
import { parseManifestYaml, toPointer } from '../fleet/yaml.js';
import { FACETS } from './index.js';

/** The product spec's own fields; every other section of it belongs to a facet. */
const PRODUCT_FIELDS: ReadonlySet<string> = new Set(['repo', 'dependsOn', 'suspend', 'prune']);

/**
 * Product spec sections that no registered facet reconciles yet (`spec.docs` before the docs
 * facet lands): valid and kept, but nothing acts on them, which a user must be told rather than
 * find out. One warning at each such section's key.
 */
export function sectionsNotActedOn(loaded: LoadResult): Problem[] {
  const problems: Problem[] = [];
  for (const product of loaded.fleet?.products.values() ?? []) {
    const sections = Object.keys(product.manifest.spec).filter(
      (key) => !PRODUCT_FIELDS.has(key) && !FACETS.has(key as never),
    );
    if (sections.length === 0) continue;
    const parsed = parseManifestYaml(product.file, loaded.sources.get(product.file) ?? '');
    for (const section of sections) {
      const pointer = toPointer(['spec', section]);
      const position = parsed.ok ? parsed.parsed.locate(pointer, { key: true }) : { line: 1, column: 1 };
      problems.push({
        severity: 'warning',
        code: 'not-acted-on',
        file: product.file,
        ...position,
        pointer,
        message: `spec.${section} is not acted on yet: this version of codemonkeys reconciles ${[...FACETS.keys()].join(', ')}; the section is validated and kept, and nothing is done for it`,
      });
    }
  }
  return problems;
}

/** The load's problems with the sections no facet acts on yet added in place. */
export function withSectionsNotActedOn(loaded: LoadResult): LoadResult {
  const extra = sectionsNotActedOn(loaded);
  return extra.length === 0 ? loaded : { ...loaded, problems: sortProblems([...loaded.problems, ...extra]) };
}
