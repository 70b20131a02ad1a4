import { loadFleetFiles } from '../../../src/fleet/load.js';
import type { Product } from '../../../src/fleet/model.js';
import { TEST_NOW } from '../../helpers/clock.js';

/** A product of a one-product fleet whose build block is `build` (written as JSON, which is YAML). */
export function productWith(build: unknown, name = 'widget'): Product {
  const files = new Map([
    [
      'fleet.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: t }\nspec:\n  orgs: [{ name: acme }]\n',
    ],
    [
      'constitution.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: c }\nspec: {}\n',
    ],
    [
      `products/acme/${name}.yaml`,
      `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: ${name}, org: acme }\nspec:\n  repo: { url: ../repos/${name}.git }\n  build: ${JSON.stringify(build)}\n`,
    ],
  ]);
  const result = loadFleetFiles({ source: '/fleet', revision: null, dirty: false, files }, TEST_NOW);
  const product = result.fleet?.products.get(`acme/${name}`);
  if (!product) throw new Error(JSON.stringify(result.problems, null, 2));
  return product;
}

/** `product` with its repository cloned with its org's credential `name` (spec.repo.credentials). */
export function withRepoCredential(product: Product, name: string): Product {
  const spec = product.manifest.spec;
  return {
    ...product,
    manifest: { ...product.manifest, spec: { ...spec, repo: { ...spec.repo, credentials: name } } },
  };
}
