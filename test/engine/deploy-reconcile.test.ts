import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/engine/reconcile.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore } from '../../src/store/sqlite.js';
import { ensureBuilt } from '../helpers/build.js';
import { testClock } from '../helpers/clock.js';
import { createFleetRepo, DEFAULT_CONSTITUTION, type FleetRepo } from '../helpers/fleet-repo.js';
import { git } from '../helpers/git.js';

const logger = createLogger({ level: 'silent' });
const repos: FleetRepo[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

/** Writes a file into the product's work tree, commits, tags it `v<version>` and pushes both. */
async function release(repo: FleetRepo, version: string, html: string): Promise<void> {
  const work = join(repo.root, 'work/acme/site');
  mkdirSync(join(work, 'site'), { recursive: true });
  await repo.commitToProduct('acme', 'site', 'site/index.html', html);
  await git(work, 'tag', `v${version}`);
  await git(work, 'push', '-q', 'origin', `v${version}`);
}

/** A fleet whose product acme/site deploys its `site/` folder with the library's static-site playbook. */
async function siteFleet(
  environments: string,
  constitution = DEFAULT_CONSTITUTION,
  vars = '',
): Promise<FleetRepo> {
  const repo = await createFleetRepo([{ org: 'acme', name: 'site', steps: ['true'] }], constitution);
  repos.push(repo);
  const deploy = [
    '  deploy:',
    '    playbook: deploy-static-site.yml',
    `    vars: { site_src: "{{ codemonkeys.release_dir }}/site", site_version: "{{ codemonkeys.version }}"${vars} }`,
    '    environments:',
    ...environments
      .trim()
      .split('\n')
      .map((line) => `      ${line.trim().replaceAll('ROOT', repo.root)}`),
  ].join('\n');
  // No build block: these tests are about deploying releases (tags), not building heads.
  writeFileSync(
    join(repo.fleetDir, 'products/acme/site.yaml'),
    `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: site, org: acme }\nspec:\n  repo: { url: ../repos/acme/site.git }\n${deploy}\n`,
  );
  await repo.commitFleet('deploy the site');
  return repo;
}

function run(repo: FleetRepo, env: NodeJS.ProcessEnv = process.env) {
  return reconcile({
    clock: testClock(),
    fleet: repo.fleetDir,
    cwd: repo.root,
    env,
    logger,
    dryRun: false,
    once: false,
    maxPasses: 30,
  });
}

const deploys = (executed: { kind: string; environment?: string; outcome: string }[]) =>
  executed
    .filter((action) => action.kind === 'deploy.apply')
    .map((action) => `${action.environment} ${action.outcome}`)
    .sort();

describe('the deploy facet, with the real ansible-playbook', () => {
  it('deploys the wanted release to each environment once, records it, holds a frozen environment, and finds nothing to do after', async () => {
    const constitution = DEFAULT_CONSTITUTION.replace(
      'rules: []',
      'rules:\n    - { id: eu-freeze, match: { actions: ["deploy.*"], environments: [prod-eu] }, effect: deny, message: frozen }',
    );
    const repo = await siteFleet(
      `staging: { version: latest, vars: { site_docroot: ROOT/www/staging } }
      prod: { version: 1.0.0, vars: { site_docroot: ROOT/www/prod } }
      prod-eu: { version: 1.0.0, vars: { site_docroot: ROOT/www/prod-eu } }`,
      constitution,
    );
    await release(repo, '1.0.0', '<h1>one</h1>\n');
    await release(repo, '1.1.0', '<h1>one point one</h1>\n');
    const first = await run(repo);
    expect(first.converged).toBe(true);
    expect(deploys(first.executed)).toEqual(['prod succeeded', 'staging succeeded']);
    expect(readFileSync(join(repo.root, 'www/staging/index.html'), 'utf8')).toBe('<h1>one point one</h1>\n');
    expect(readFileSync(join(repo.root, 'www/prod/index.html'), 'utf8')).toBe('<h1>one</h1>\n');
    expect(readFileSync(join(repo.root, 'www/prod/.codemonkeys-version'), 'utf8').trim()).toBe('1.0.0');
    // The environment's name reaches the constitution: the frozen one is held, the others go.
    const held = first.plan.actions.find((action) => action.environment === 'prod-eu');
    expect(held?.blockedBy).toEqual([{ type: 'denied', rules: ['eu-freeze'], message: 'frozen' }]);
    expect(existsSync(join(repo.root, 'www/prod-eu'))).toBe(false);
    expect(first.conditions.get('acme/site')?.find((c) => c.type === 'Reconciling')?.message).toMatch(
      /staging runs 1\.1\.0; prod runs 1\.0\.0; prod-eu: deploy 1\.0\.0 to prod-eu/,
    );
    const store = openStore(join(repo.fleetDir, '.codemonkeys/state.db'), { readonly: true });
    const recorded = store.journal({ product: 'acme/site' }).filter((entry) => entry.kind === 'deploy.apply');
    store.close();
    expect(recorded.map((entry) => entry.result)).toContainEqual(
      expect.objectContaining({ environment: 'prod', version: '1.0.0', hosts: ['localhost'] }),
    );

    const again = await run(repo);
    expect(deploys(again.executed)).toEqual([]);
  });

  it('sees a file changed behind its back as drift, and deploys again', async () => {
    const repo = await siteFleet('staging: { version: latest, vars: { site_docroot: ROOT/www } }');
    await release(repo, '1.0.0', '<h1>one</h1>\n');
    await run(repo);
    writeFileSync(join(repo.root, 'www/index.html'), 'defaced\n');
    const plan = (
      await reconcile({
        clock: testClock(),
        fleet: repo.fleetDir,
        cwd: repo.root,
        env: process.env,
        logger,
        dryRun: true,
        once: true,
        maxPasses: 1,
      })
    ).plan;
    expect(plan.actions.find((action) => action.kind === 'deploy.apply')?.reason).toMatch(
      /^deploy 1\.0\.0 to staging \(runs 1\.0\.0\): Copy the site on localhost would change$/,
    );
    const healed = await run(repo);
    expect(deploys(healed.executed)).toEqual(['staging succeeded']);
    expect(readFileSync(join(repo.root, 'www/index.html'), 'utf8')).toBe('<h1>one</h1>\n');
  });

  it('stalls on a task that fails in check mode, with its message; and on a pinned version never released', async () => {
    const repo = await siteFleet(`
      staging: { version: latest, vars: { site_docroot: relative/path } }
      prod: { version: 9.9.9, vars: { site_docroot: ROOT/www } }`);
    await release(repo, '1.0.0', '<h1>one</h1>\n');
    const result = await run(repo);
    expect(deploys(result.executed)).toEqual([]);
    const stalled = result.conditions.get('acme/site')?.find((condition) => condition.type === 'Stalled');
    expect(stalled?.status).toBe('True');
    expect(stalled?.message).toMatch(
      /staging: the check of 1\.0\.0 failed: Check the variables on localhost: site_src, site_docroot \(an absolute path\)/,
    );
    expect(stalled?.message).toMatch(/prod: no release 9\.9\.9 \(no such tag\)/);
  });

  it('gives a secret var to the playbook through its environment only, never to the state or the journal', async () => {
    const secret = 's3cr3t-deploy-token-value';
    const repo = await siteFleet(
      'staging: { version: latest, vars: { site_docroot: ROOT/www } }',
      DEFAULT_CONSTITUTION,
      ', deploy_token: { env: DEPLOY_TOKEN }',
    );
    // A playbook of the fleet's own: proves the token arrived by writing its hash.
    writeFileSync(
      join(repo.fleetDir, 'token.yml'),
      [
        '- hosts: all',
        '  gather_facts: false',
        '  tasks:',
        '    - name: Write the token hash',
        '      ansible.builtin.copy:',
        `        dest: ${repo.root}/token.sha256`,
        `        content: "{{ lookup('env', 'DEPLOY_TOKEN') | hash('sha256') }}"`,
        '      no_log: true',
        '',
      ].join('\n'),
    );
    const spec = join(repo.fleetDir, 'products/acme/site.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('deploy-static-site.yml', 'token.yml'));
    await repo.commitFleet('the token playbook');
    await release(repo, '1.0.0', '<h1>one</h1>\n');
    const result = await run(repo, { ...process.env, DEPLOY_TOKEN: secret });
    expect(deploys(result.executed)).toEqual(['staging succeeded']);
    const { createHash } = await import('node:crypto');
    expect(readFileSync(join(repo.root, 'token.sha256'), 'utf8')).toBe(
      createHash('sha256').update(secret).digest('hex'),
    );
    expect(readFileSync(join(repo.fleetDir, '.codemonkeys/state.db')).includes(secret)).toBe(false);
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});
