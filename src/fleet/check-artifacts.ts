import type { CheckInput } from './check-products.js';
import { problemAt } from './document.js';
import type { Problem } from './problems.js';

/** Registries that publish what a build left (distributions, an image) rather than the sources. */
const FROM_ARTIFACTS: ReadonlySet<string> = new Set(['pypi', 'container']);

/**
 * A release to PyPI or a container registry publishes what the build left: the registry's
 * `artifact` must be one of `build.artifacts` (or inside one), and the build must run on the
 * local runner, the backend that keeps artifacts. Checked here rather than when a release
 * stalls for want of them.
 */
export function checkArtifacts(input: CheckInput): Problem[] {
  const problems: Problem[] = [];
  for (const product of input.products) {
    // Read only what the schema has vouched for: a malformed release block is reported there.
    if (!product.document.valid) continue;
    const { build, release } = product.manifest.spec;
    const id = `${product.manifest.metadata.org}/${product.manifest.metadata.name}`;
    const ci = build?.ci ?? input.fleet?.manifest.spec.ci?.default ?? 'local';
    if (build?.artifacts !== undefined && build.artifacts.length > 0 && ci !== 'local') {
      problems.push(
        problemAt(
          product.document,
          '/spec/build/artifacts',
          'artifacts-not-kept',
          `${id} builds on ${ci}, which does not keep build.artifacts yet: only the local runner does`,
          {
            expected: 'build.ci: local, or no build.artifacts',
            found: `build.ci: ${ci}`,
          },
        ),
      );
    }
    for (const [index, registry] of (release?.registries ?? []).entries()) {
      if (!FROM_ARTIFACTS.has(registry.type)) continue;
      const pointer = `/spec/release/registries/${index}`;
      const kept = build?.artifacts ?? [];
      if (registry.artifact === undefined) {
        problems.push(
          problemAt(
            product.document,
            pointer,
            'artifact-missing',
            `${id} publishes to ${registry.type} what its build leaves: name it with artifact`,
            {
              expected:
                registry.type === 'pypi'
                  ? 'artifact: dist (the folder of wheels and sdists)'
                  : 'artifact: image (an OCI image layout folder)',
              found: 'no artifact',
            },
          ),
        );
        continue;
      }
      const artifact = registry.artifact;
      if (kept.some((path) => artifact === path || artifact.startsWith(`${path.replace(/\/+$/, '')}/`)))
        continue;
      problems.push(
        problemAt(
          product.document,
          `${pointer}/artifact`,
          'artifact-not-kept',
          `${id} publishes ${artifact}, which its build does not keep: add it to build.artifacts`,
          {
            expected: `one of build.artifacts (${kept.length > 0 ? kept.join(', ') : 'none'}), or a path inside one`,
            found: artifact,
          },
        ),
      );
    }
  }
  return problems;
}
