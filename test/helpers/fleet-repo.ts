import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitAll, git, tempDir } from './git.js';

export interface ProductRepoDef {
  org: string;
  name: string;
  /** Shell steps of the build; default: check the README exists. */
  steps?: string[];
  extra?: string;
}

/** A fleet repo (a git work tree) and bare product repos beside it, in a temp folder. */
export interface FleetRepo {
  root: string;
  fleetDir: string;
  cleanup(): void;
  /** Writes a product spec file (no commit). */
  writeProduct(def: ProductRepoDef): void;
  /** Creates a product's repository (one commit, pushed to a bare remote) and writes its spec (no fleet commit). */
  addProduct(def: ProductRepoDef): Promise<void>;
  /** Adds a commit to a product's repo; returns its id. */
  commitToProduct(org: string, name: string, file: string, text: string): Promise<string>;
  commitFleet(message: string): Promise<string>;
}

export const DEFAULT_CONSTITUTION = `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: rules }
spec:
  defaultEffect: allow
  rules: []
`;

export async function createFleetRepo(
  products: ProductRepoDef[],
  constitution = DEFAULT_CONSTITUTION,
): Promise<FleetRepo> {
  const { dir: root, cleanup } = tempDir('cm-fleet-');
  const fleetDir = join(root, 'fleet');
  mkdirSync(join(fleetDir, 'products'), { recursive: true });
  const orgs = [...new Set(products.map((product) => product.org))];
  writeFileSync(
    join(fleetDir, 'fleet.yaml'),
    `apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: test }\nspec:\n  orgs:\n${orgs.map((org) => `    - { name: ${org}, approvers: [alice] }\n`).join('')}  reconcile: { concurrency: 2 }\n`,
  );
  writeFileSync(join(fleetDir, 'constitution.yaml'), constitution);
  writeFileSync(join(fleetDir, '.gitignore'), '.codemonkeys/\n');
  const repo: FleetRepo = {
    root,
    fleetDir,
    cleanup,
    writeProduct(def) {
      mkdirSync(join(fleetDir, 'products', def.org), { recursive: true });
      const steps = JSON.stringify(def.steps ?? ['test -f README.md']);
      writeFileSync(
        join(fleetDir, 'products', def.org, `${def.name}.yaml`),
        `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: ${def.name}, org: ${def.org} }\nspec:\n  repo: { url: ../repos/${def.org}/${def.name}.git }\n  build: { steps: ${steps}, timeout: 1m }\n${def.extra ?? ''}`,
      );
    },
    async commitToProduct(org, name, file, text) {
      const work = join(root, 'work', org, name);
      writeFileSync(join(work, file), text);
      const commit = await commitAll(work, `change ${file}`);
      await git(work, 'push', '-q', 'origin', 'main');
      return commit;
    },
    commitFleet: (message) => commitAll(fleetDir, message),
    async addProduct(def) {
      const work = join(root, 'work', def.org, def.name);
      const bare = join(root, 'repos', def.org, `${def.name}.git`);
      mkdirSync(work, { recursive: true });
      await git(root, 'init', '-q', '--bare', '-b', 'main', bare);
      await git(work, 'init', '-q', '-b', 'main');
      writeFileSync(join(work, 'README.md'), `# ${def.name}\n`);
      await commitAll(work, 'first');
      await git(work, 'remote', 'add', 'origin', bare);
      await git(work, 'push', '-q', 'origin', 'main');
      repo.writeProduct(def);
    },
  };
  for (const def of products) await repo.addProduct(def);
  await git(fleetDir, 'init', '-q', '-b', 'main');
  await commitAll(fleetDir, 'fleet');
  return repo;
}

/**
 * Makes acme/lib of a test fleet private (no commit): org acme gets the credential `credential`
 * read from environment variable `env`, and the product is read from `url` with it.
 */
export function makeLibPrivate(
  repo: FleetRepo,
  options: { credential: string; env: string; url: string },
): void {
  const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
  writeFileSync(
    fleetYaml,
    readFileSync(fleetYaml, 'utf8').replace(
      '- { name: acme, approvers: [alice] }',
      `- { name: acme, approvers: [alice], credentials: { ${options.credential}: { env: ${options.env} } } }`,
    ),
  );
  const product = join(repo.fleetDir, 'products/acme/lib.yaml');
  writeFileSync(
    product,
    readFileSync(product, 'utf8').replace(
      'repo: { url: ../repos/acme/lib.git }',
      `repo: { url: "${options.url}", credentials: ${options.credential} }`,
    ),
  );
}
