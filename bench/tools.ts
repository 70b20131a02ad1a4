import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import { createAnsibleRunner } from '../src/backends/ansible/index.js';
import { resolveRepoUrl } from '../src/backends/git/remote.js';
import { latestRelease, releases } from '../src/backends/git/tags.js';
import { reconcile } from '../src/engine/reconcile.js';
import { playbookRequest, releaseCheckout } from '../src/facets/deploy/inputs.js';
import { openInfraRunner } from '../src/facets/infra/runner.js';
import { infraWorkspace, withModule } from '../src/facets/infra/workspace.js';
import { loadFleet } from '../src/fleet/load.js';
import type { Product } from '../src/fleet/model.js';
import { createLogger } from '../src/log/logger.js';
import { systemClock } from '../src/util/clock.js';
import { TEST_NOW } from '../test/helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../test/helpers/fleet-repo.js';
import { git } from '../test/helpers/git.js';
import { printTable } from './harness.js';

const PRODUCTS = Number(process.env.BENCH_TOOLS_PRODUCTS ?? 16);
const ROUNDS = Number(process.env.BENCH_TOOLS_ROUNDS ?? 2);
/** The fleet's reconcile concurrency, and the direct run's. */
const CONCURRENCY = 4;
const logger = createLogger({ level: 'silent' });

/** A one-file deploy: what the playbook does matters less here than that it runs. */
const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: Publish the page
      ansible.builtin.copy:
        src: "{{ codemonkeys.release_dir }}/index.html"
        dest: "{{ docroot }}/index.html"
        mode: "0644"
`;

/**
 * Wall time of an idle reconcile pass over N products that each have an infra block (the offline
 * static-site module: one tofu plan) and a deploy block (one environment: one ansible check),
 * against the same N plans and N checks run directly through the same runners, products in
 * parallel with the same concurrency, each product's two one after the other as the reconciler
 * runs them. Converged first, so every plan and check finds nothing to do, and rounds alternate.
 * A pass has a fixed cost besides (loading the fleet from git, the state, the lease: about a
 * second here), so the ratio falls as N grows: measured 1.10 at 8 products, 0.95 at 16.
 */
export async function benchTools(): Promise<void> {
  const repo = await toolsFleet();
  try {
    const converged = await reconcile(options(repo, false));
    if (!converged.converged) throw new Error('the bench fleet did not converge');
    const fleet = await loadFleet({ now: TEST_NOW, fleet: repo.fleetDir, cwd: repo.root, env: process.env });
    if (!fleet.fleet) throw new Error('the bench fleet is invalid');
    const products = [...fleet.fleet.products.values()];
    const rows: Record<string, number>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const row: Record<string, number> = { round };
      const order = round % 2 === 1 ? ['direct', 'reconcile'] : ['reconcile', 'direct'];
      for (const run of order) {
        const start = performance.now();
        if (run === 'direct') await direct(repo, products);
        else {
          const pass = await reconcile(options(repo, true));
          if (pass.executed.length > 0) throw new Error('the idle pass acted');
        }
        row[`${run} s`] = (performance.now() - start) / 1000;
      }
      row.ratio = (row['reconcile s'] as number) / (row['direct s'] as number);
      rows.push(row);
    }
    printTable(
      `tools: ${PRODUCTS} products, each one tofu plan (static-site) and one ansible check, concurrency ${CONCURRENCY} (target ratio <= 1.05)`,
      rows,
    );
    const sum = (key: string) => rows.reduce((total, row) => total + (row[key] as number), 0);
    console.log(`overall ratio ${(sum('reconcile s') / sum('direct s')).toFixed(3)}`);
  } finally {
    repo.cleanup();
  }
}

function options(repo: FleetRepo, once: boolean) {
  return {
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: process.env,
    logger,
    clock: systemClock,
    dryRun: false,
    once,
    maxPasses: 20,
  };
}

/** The same tool runs without the reconciler: resolve what the facets resolve, then plan and check. */
async function direct(repo: FleetRepo, products: Product[]): Promise<void> {
  const stateDir = join(repo.fleetDir, '.codemonkeys');
  const tofu = openInfraRunner({
    stateDir,
    statePath: join(stateDir, 'state.db'),
    readOnly: false,
    env: process.env,
  });
  const ansible = createAnsibleRunner({ env: process.env });
  const context = { fleetDir: repo.fleetDir, env: process.env };
  const queue = new PQueue({ concurrency: CONCURRENCY });
  await Promise.all(
    products.map((product) =>
      queue.add(async () => {
        const repoUrl = resolveRepoUrl(product.manifest.spec.repo.url, repo.fleetDir);
        const release = latestRelease(await releases(repoUrl));
        if (!release) throw new Error(`${product.id} has no release`);
        const releaseDir = await releaseCheckout(repoUrl, release.commit, process.env);
        const request = await playbookRequest(
          { product, environment: 'live', release, fleetDir: repo.fleetDir, repoUrl, env: process.env },
          releaseDir,
        );
        const checked = await ansible.check(request);
        if (checked.changed) throw new Error(`${product.id}: the direct check found changes`);
        const planned = await withModule(product, context, async (module) =>
          tofu.plan(await infraWorkspace(product, module, context), { save: true }),
        );
        if (planned.changed) throw new Error(`${product.id}: the direct plan found changes`);
      }),
    ),
  );
}

/** N products, each released as v1.0.0, deployed to one environment and given one static site. */
async function toolsFleet(): Promise<FleetRepo> {
  const names = Array.from({ length: PRODUCTS }, (_, index) => `p${index}`);
  const repo = await createFleetRepo(names.map((name) => ({ org: 'bench', name })));
  writeFileSync(join(repo.fleetDir, 'publish.yml'), PLAYBOOK);
  for (const name of names) {
    const work = join(repo.root, 'work/bench', name);
    await repo.commitToProduct('bench', name, 'index.html', `<h1>${name}</h1>\n`);
    await git(work, 'tag', 'v1.0.0');
    await git(work, 'push', '-q', 'origin', 'v1.0.0');
    const www = join(repo.root, 'www', name);
    mkdirSync(www, { recursive: true });
    writeFileSync(
      join(repo.fleetDir, 'products/bench', `${name}.yaml`),
      [
        'apiVersion: codemonkeys.dev/v1',
        'kind: Product',
        `metadata: { name: ${name}, org: bench }`,
        'spec:',
        `  repo: { url: ../repos/bench/${name}.git }`,
        '  deploy:',
        '    playbook: publish.yml',
        `    environments: { live: { version: latest, vars: { docroot: ${www} } } }`,
        '  infra:',
        '    module: tofu/modules/static-site',
        `    vars: { site_name: ${name}, root_dir: ${join(repo.root, 'sites', name)} }`,
        '    drift: auto',
        '',
      ].join('\n'),
    );
  }
  await repo.commitFleet('deploy and infra for every product');
  return repo;
}
