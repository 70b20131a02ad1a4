import type { ManifestDocument } from './document.js';
import { placeOf, problemAt } from './document.js';
import type { FleetManifest, ProductManifest } from './model.js';
import type { Problem } from './problems.js';
import { suggest } from './suggest.js';
import { toPointer } from './yaml.js';

/** The schema-valid Fleet (if any) and products, with their documents, for cross-file checks. */
export interface CheckInput {
  fleet: { document: ManifestDocument; manifest: FleetManifest } | undefined;
  products: { document: ManifestDocument; manifest: ProductManifest }[];
}

/** Org names must be unique within the fleet. */
export function checkOrgs(input: CheckInput): Problem[] {
  const problems: Problem[] = [];
  if (!input.fleet) return problems;
  const seen = new Map<string, number>();
  input.fleet.manifest.spec.orgs.forEach((org, index) => {
    const first = seen.get(org.name);
    if (first === undefined) {
      seen.set(org.name, index);
      return;
    }
    const document = input.fleet?.document as ManifestDocument;
    problems.push(
      problemAt(
        document,
        `/spec/orgs/${index}/name`,
        'duplicate-org',
        `org '${org.name}' is declared twice; first at ${placeOf(document, `/spec/orgs/${first}/name`)}`,
      ),
    );
  });
  return problems;
}

/** Product ids (org/name) are unique, every product's org is declared, its CI backend configured. */
export function checkProducts(input: CheckInput): Problem[] {
  const problems: Problem[] = [];
  const firstById = new Map<string, ManifestDocument>();
  const orgs = input.fleet?.manifest.spec.orgs ?? [];
  const orgNames = orgs.map((org) => org.name);
  for (const { document, manifest } of input.products) {
    const id = `${manifest.metadata.org}/${manifest.metadata.name}`;
    const first = firstById.get(id);
    if (first) {
      problems.push(
        problemAt(
          document,
          '/metadata/name',
          'duplicate-product',
          `duplicate product id ${id}: also declared at ${placeOf(first, '/metadata/name')}`,
        ),
      );
    } else {
      firstById.set(id, document);
    }
    if (!input.fleet) continue;
    const org = orgs.find((each) => each.name === manifest.metadata.org);
    if (!org) {
      const hint = suggest(manifest.metadata.org, orgNames);
      problems.push(
        problemAt(
          document,
          '/metadata/org',
          'undeclared-org',
          `org '${manifest.metadata.org}' is not declared in ${input.fleet.document.file}${hint ? ` (did you mean '${hint}'?)` : ''}; declared orgs: ${orgNames.join(', ')}`,
          { expected: `one of ${orgNames.join(', ')}`, found: manifest.metadata.org },
        ),
      );
    }
    problems.push(...checkProductSettings(input.fleet.manifest, document, manifest, org?.credentials));
  }
  return problems;
}

function checkProductSettings(
  fleet: FleetManifest,
  document: ManifestDocument,
  product: ProductManifest,
  credentials: Record<string, unknown> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const { build, heal, repo } = product.spec;
  const ci = build?.ci ?? fleet.spec.ci?.default ?? 'local';
  if (build && ci === 'jenkins' && !fleet.spec.ci?.jenkins) {
    const pointer = build.ci ? '/spec/build/ci' : '/spec/build';
    problems.push(
      problemAt(
        document,
        pointer,
        'jenkins-not-configured',
        'builds run on jenkins, but fleet.yaml has no spec.ci.jenkins (url, user, token)',
      ),
    );
  }
  if (heal?.enabled && !build) {
    problems.push(
      problemAt(
        document,
        '/spec/heal/enabled',
        'heal-without-build',
        'heal is enabled but the product has no build to heal',
        { severity: 'warning' },
      ),
    );
  }
  if (repo.credentials !== undefined && !(credentials && repo.credentials in credentials)) {
    const names = Object.keys(credentials ?? {});
    problems.push(
      problemAt(
        document,
        '/spec/repo/credentials',
        'unknown-credential',
        `credential '${repo.credentials}' is not one of org ${product.metadata.org}'s credentials${names.length ? ` (${names.join(', ')})` : ' (it has none)'}`,
      ),
    );
  }
  return problems;
}

/** Every dependsOn target exists, and the dependencies form no cycle (each cycle named once). */
export function checkDependencies(input: CheckInput): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map<string, { document: ManifestDocument; manifest: ProductManifest }>();
  for (const product of input.products) {
    byId.set(`${product.manifest.metadata.org}/${product.manifest.metadata.name}`, product);
  }
  const ids = [...byId.keys()];
  for (const [id, { document, manifest }] of byId) {
    (manifest.spec.dependsOn ?? []).forEach((target, index) => {
      if (byId.has(target)) return;
      const hint = suggest(target, ids);
      problems.push(
        problemAt(
          document,
          toPointer(['spec', 'dependsOn', index]),
          'unknown-dependency',
          `${id} depends on ${target}, which is not a product of this fleet${hint ? ` (did you mean '${hint}'?)` : ''}`,
          { expected: 'the id (org/name) of a product of this fleet', found: target },
        ),
      );
    });
  }
  for (const cycle of findCycles(byId)) {
    const [start, next] = cycle;
    const product = byId.get(start as string);
    if (!product) continue;
    const index = (product.manifest.spec.dependsOn ?? []).indexOf(next as string);
    problems.push(
      problemAt(
        product.document,
        toPointer(['spec', 'dependsOn', index]),
        'dependency-cycle',
        `dependency cycle: ${cycle.join(' → ')}`,
      ),
    );
  }
  return problems;
}

/** Elementary cycles reachable by depth-first search, each reported once from its smallest id. */
function findCycles(byId: Map<string, { manifest: ProductManifest }>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const target of byId.get(id)?.manifest.spec.dependsOn ?? []) {
      if (!byId.has(target)) continue;
      if (state.get(target) === 'visiting') {
        const loop = stack.slice(stack.indexOf(target));
        const key = [...loop].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          cycles.push(rotateToSmallest(loop));
        }
      } else if (!state.has(target)) {
        visit(target);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...byId.keys()].sort()) if (!state.has(id)) visit(id);
  return cycles;
}

function rotateToSmallest(loop: string[]): string[] {
  const smallest = [...loop].sort()[0] as string;
  const at = loop.indexOf(smallest);
  const rotated = [...loop.slice(at), ...loop.slice(0, at)];
  return [...rotated, smallest];
}
