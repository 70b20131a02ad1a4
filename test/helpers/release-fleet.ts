import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createFleetRepo, DEFAULT_CONSTITUTION, type FleetRepo } from './fleet-repo.js';
import { git } from './git.js';

/** Fixture scripts a product's build steps run: they build from the product's own files. */
export const MAKE_PYTHON_DIST = join(import.meta.dirname, '../fixtures/release/make-python-dist.py');
export const MAKE_OCI_IMAGE = join(import.meta.dirname, '../fixtures/release/make-oci-image.mjs');

/** One released product of the acme org: its first files, its build, and its release block (YAML lines). */
export interface ReleasedProductDef {
  name: string;
  /** Files of its first commit (besides README.md). */
  files: Record<string, string>;
  steps: string[];
  artifacts?: string[];
  /** The lines under `release:`, indented by four spaces. */
  release: string[];
  /** More lines of its spec, indented by two spaces (a deploy block). */
  more?: string[];
}

/** A fleet of acme products that release, each with its repository and a first commit of its files. */
export async function createReleaseFleet(
  products: readonly ReleasedProductDef[],
  constitution = DEFAULT_CONSTITUTION,
): Promise<FleetRepo> {
  const repo = await createFleetRepo(
    products.map((product) => ({ org: 'acme', name: product.name })),
    constitution,
  );
  for (const product of products) {
    await commitConventional(repo, product.name, 'chore: lay out the project', product.files);
    writeProductSpec(repo, product);
  }
  await repo.commitFleet('products that release');
  return repo;
}

/** Writes the product's manifest (no fleet commit). */
export function writeProductSpec(repo: FleetRepo, product: ReleasedProductDef): void {
  const lines = [
    'apiVersion: codemonkeys.dev/v1',
    'kind: Product',
    `metadata: { name: ${product.name}, org: acme }`,
    'spec:',
    `  repo: { url: ../repos/acme/${product.name}.git }`,
    '  build:',
    `    steps: ${JSON.stringify(product.steps)}`,
    '    timeout: 1m',
    ...(product.artifacts ? [`    artifacts: ${JSON.stringify(product.artifacts)}`] : []),
    '  release:',
    ...product.release.map((line) => `    ${line}`),
    ...(product.more ?? []).map((line) => `  ${line}`),
  ];
  writeFileSync(join(repo.fleetDir, 'products/acme', `${product.name}.yaml`), `${lines.join('\n')}\n`);
}

/** Commits files to an acme product's work tree with this message and pushes; returns the commit. */
export async function commitConventional(
  repo: FleetRepo,
  name: string,
  message: string,
  files: Record<string, string>,
): Promise<string> {
  const work = join(repo.root, 'work/acme', name);
  await git(work, 'pull', '-q', '--ff-only', 'origin', 'main');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(work, file)), { recursive: true });
    writeFileSync(join(work, file), text);
  }
  await git(work, 'add', '-A');
  await git(work, 'commit', '-q', '--no-gpg-sign', '--allow-empty', '-m', message);
  await git(work, 'push', '-q', 'origin', 'main');
  return git(work, 'rev-parse', 'HEAD');
}

/** The bare repository of an acme product. */
export function bareOf(repo: FleetRepo, name: string): string {
  return join(repo.root, 'repos/acme', `${name}.git`);
}

/** Every tag of an acme product's repository, with the commit it points at. */
export async function tagsOf(repo: FleetRepo, name: string): Promise<Map<string, string>> {
  const listing = await git(
    bareOf(repo, name),
    'for-each-ref',
    '--format=%(refname:short) %(*objectname)%(objectname)',
    'refs/tags',
  );
  const tags = new Map<string, string>();
  for (const line of listing.split('\n').filter(Boolean)) {
    const [tag, ids] = line.split(' ') as [string, string];
    // An annotated tag prints the commit it points at (*objectname), then the tag object's own id.
    tags.set(tag, ids.slice(0, 40));
  }
  return tags;
}

/** A file at a ref of an acme product's repository. */
export function fileAt(repo: FleetRepo, name: string, ref: string, path: string): Promise<string> {
  return git(bareOf(repo, name), 'show', `${ref}:${path}`);
}

/** The subjects of the commits on main of an acme product, newest first. */
export async function subjectsOf(repo: FleetRepo, name: string): Promise<string[]> {
  return (await git(bareOf(repo, name), 'log', '--format=%s', 'main')).split('\n');
}
