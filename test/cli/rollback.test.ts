import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { runCliHere } from '../helpers/cli.js';
import { TEST_START } from '../helpers/clock.js';
import { createFleetRepo, DEFAULT_CONSTITUTION, type FleetRepo } from '../helpers/fleet-repo.js';
import { git } from '../helpers/git.js';

const repos: FleetRepo[] = [];
beforeAll(() => ensureBuilt(), 120_000);
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

/** Git config of no user: commits fall back to Code Monkeys Ship's identity. */
const NO_USER_GIT = { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in this process, on a clock pinned at TEST_START, with no git user unless `env` names one. */
function cli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCliHere(args, { cwd, env: { ...process.env, ...NO_USER_GIT, ...env }, at: TEST_START });
}

const rollback = (repo: FleetRepo, ...args: string[]) =>
  cli(repo.root, ['--fleet', repo.fleetDir, 'rollback', ...args]);

const MANIFEST = 'products/acme/site.yaml';

/** acme/site as a user writes it: comments, flow and block maps; each environment's docroot under ROOT/www. */
const siteSpec = (root: string) => `# The company site.
apiVersion: codemonkeys.dev/v1
kind: Product
metadata: { name: site, org: acme }
spec:
  repo: { url: ../repos/acme/site.git }
  deploy:
    playbook: deploy-static-site.yml   # from the playbook library
    vars: { site_src: "{{ codemonkeys.release_dir }}/site", site_version: "{{ codemonkeys.version }}" }
    environments:
      # staging follows every release
      staging: { version: latest, vars: { site_docroot: ${root}/www/staging } }
      prod:
        version: latest
        vars: { site_docroot: ${root}/www/prod }
      prod-eu: { version: latest, vars: { site_docroot: ${root}/www/prod-eu } }
`;

/** Asks alice before any deploy to prod-eu. */
const GATED = DEFAULT_CONSTITUTION.replace(
  'rules: []',
  'rules:\n    - { id: eu-asks-alice, match: { actions: ["deploy.*"], environments: [prod-eu] }, effect: require-approval, approvers: [alice] }',
);

/** A fleet with acme/site (deployed, released as 1.0.0 and 1.1.0) and acme/lib (never deployed). */
async function siteFleet(constitution = DEFAULT_CONSTITUTION): Promise<FleetRepo> {
  const repo = await createFleetRepo(
    [
      { org: 'acme', name: 'site', steps: ['true'] },
      { org: 'acme', name: 'lib' },
    ],
    constitution,
  );
  repos.push(repo);
  writeFileSync(join(repo.fleetDir, MANIFEST), siteSpec(repo.root));
  await repo.commitFleet('deploy the site');
  const work = join(repo.root, 'work/acme/site');
  mkdirSync(join(work, 'site'), { recursive: true });
  for (const [version, html] of [
    ['1.0.0', '<h1>one</h1>\n'],
    ['1.1.0', '<h1>one point one</h1>\n'],
  ] as const) {
    await repo.commitToProduct('acme', 'site', 'site/index.html', html);
    await git(work, 'tag', `v${version}`);
    await git(work, 'push', '-q', 'origin', `v${version}`);
  }
  return repo;
}

/** The commit HEAD names and `git status`: what a refused or dry run must leave as it was. */
async function snapshot(dir: string): Promise<{ head: string; status: string; manifest: string }> {
  return {
    head: await git(dir, 'rev-parse', 'HEAD'),
    status: await git(dir, 'status', '--porcelain'),
    manifest: readFileSync(join(dir, MANIFEST), 'utf8'),
  };
}

/** The manifest with these environments pinned, as rollback must write it: only the version values differ. */
function pinned(repo: FleetRepo, version: string, environments: string[]): string {
  let text = siteSpec(repo.root);
  if (environments.includes('staging'))
    text = text.replace('staging: { version: latest', `staging: { version: ${version}`);
  if (environments.includes('prod'))
    text = text.replace('prod:\n        version: latest', `prod:\n        version: ${version}`);
  if (environments.includes('prod-eu'))
    text = text.replace('prod-eu: { version: latest', `prod-eu: { version: ${version}`);
  return text;
}

describe('rollback --dry-run', () => {
  it('prints the unified diff of the manifest and touches neither the work tree nor HEAD', async () => {
    const repo = await siteFleet();
    const before = await snapshot(repo.fleetDir);
    const run = await rollback(repo, 'acme/site', '--to', 'v1.0.0', '--dry-run');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`--- a/${MANIFEST}\n+++ b/${MANIFEST}\n@@ -9,8 +9,8 @@\n`);
    expect(run.stdout).toContain(
      `-      staging: { version: latest, vars: { site_docroot: ${repo.root}/www/staging } }\n+      staging: { version: 1.0.0, vars: { site_docroot: ${repo.root}/www/staging } }\n`,
    );
    expect(run.stdout).toContain('-        version: latest\n+        version: 1.0.0\n');
    expect(run.stdout).toMatch(/dry run: nothing was changed/);
    expect(await snapshot(repo.fleetDir)).toEqual(before);
  });

  it('prints the documented JSON, with a null commit', async () => {
    const repo = await siteFleet();
    const before = await snapshot(repo.fleetDir);
    const run = await rollback(
      repo,
      'acme/site',
      '--to',
      '1.0.0',
      '--dry-run',
      '--environment',
      'prod',
      '--format',
      'json',
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      product: 'acme/site',
      version: '1.0.0',
      environments: [{ name: 'prod', from: 'latest', to: '1.0.0' }],
      commit: null,
      dryRun: true,
    });
    expect(await snapshot(repo.fleetDir)).toEqual(before);
  });
});

describe('rollback', () => {
  it('makes exactly one commit, touching only the manifest, with the pins, the old versions, the fallback author and the pinned date', async () => {
    const repo = await siteFleet();
    // Someone's unrelated work in progress, staged and not: the rollback commit leaves it alone.
    writeFileSync(join(repo.fleetDir, 'NOTES.md'), 'draft\n');
    await git(repo.fleetDir, 'add', 'NOTES.md');
    writeFileSync(join(repo.fleetDir, 'constitution.yaml'), `${DEFAULT_CONSTITUTION}# to discuss\n`);
    const base = await git(repo.fleetDir, 'rev-parse', 'HEAD');
    const run = await rollback(
      repo,
      'acme/site',
      '--to',
      '1.0.0',
      '--environment',
      'prod',
      '--environment',
      'staging',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const head = await git(repo.fleetDir, 'rev-parse', 'HEAD');
    expect(await git(repo.fleetDir, 'rev-parse', 'HEAD~1')).toBe(base);
    expect(await git(repo.fleetDir, 'show', '--name-only', '--format=', 'HEAD')).toBe(MANIFEST);
    expect(await git(repo.fleetDir, 'show', `HEAD:${MANIFEST}`)).toBe(
      pinned(repo, '1.0.0', ['staging', 'prod']).trimEnd(),
    );
    expect(readFileSync(join(repo.fleetDir, MANIFEST), 'utf8')).toBe(
      pinned(repo, '1.0.0', ['staging', 'prod']),
    );
    expect(await git(repo.fleetDir, 'log', '-1', '--format=%B')).toBe(
      [
        'rollback(acme/site): pin staging, prod to 1.0.0',
        '',
        'Made by `codemonkeys rollback acme/site --to 1.0.0`.',
        'Versions before this commit:',
        '- staging: latest',
        '- prod: latest',
      ].join('\n'),
    );
    expect(await git(repo.fleetDir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%aI|%cI')).toBe(
      'Code Monkeys Ship <codemonkeys@localhost>|Code Monkeys Ship <codemonkeys@localhost>|2026-11-26T12:00:00Z|2026-11-26T12:00:00Z'.replaceAll(
        'Z',
        '+00:00',
      ),
    );
    // The other changes are where they were: still staged, still edited.
    expect((await git(repo.fleetDir, 'status', '--porcelain')).split('\n').sort()).toEqual([
      ' M constitution.yaml',
      'A  NOTES.md',
    ]);
    expect(run.stdout).toContain(
      'acme/site: pinned to 1.0.0\n  staging      latest → 1.0.0\n  prod         latest → 1.0.0\n',
    );
    expect(run.stdout).toContain(`committed ${head.slice(0, 12)} (${MANIFEST})`);
    expect(run.stdout).toMatch(/a reconciler reading this work tree deploys it on its next pass/);
  });

  it("commits as the user's git identity when it is configured, and leaves an environment already there alone", async () => {
    const repo = await siteFleet();
    const config = join(repo.root, 'gitconfig');
    writeFileSync(config, '[user]\n\tname = Alice Admin\n\temail = alice@example.com\n');
    await cli(repo.root, [
      '--fleet',
      repo.fleetDir,
      'rollback',
      'acme/site',
      '--to',
      '1.0.0',
      '--environment',
      'prod-eu',
    ]);
    const run = await cli(
      repo.root,
      ['--fleet', repo.fleetDir, 'rollback', 'acme/site', '--to', '1.0.0', '--format', 'json'],
      {
        GIT_CONFIG_GLOBAL: config,
      },
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.environments).toEqual([
      { name: 'staging', from: 'latest', to: '1.0.0' },
      { name: 'prod', from: 'latest', to: '1.0.0' },
    ]);
    expect(report.commit).toBe(await git(repo.fleetDir, 'rev-parse', 'HEAD'));
    expect(await git(repo.fleetDir, 'log', '-1', '--format=%an <%ae>')).toBe(
      'Alice Admin <alice@example.com>',
    );
    expect(await git(repo.fleetDir, 'log', '-1', '--format=%B')).toMatch(
      /run by Alice Admin <alice@example\.com>\.[\s\S]*Already at 1\.0\.0, left as they were: prod-eu/,
    );
  });

  it('says so and commits nothing when every environment is already at the version', async () => {
    const repo = await siteFleet();
    await rollback(repo, 'acme/site', '--to', '1.0.0');
    const before = await snapshot(repo.fleetDir);
    const run = await rollback(repo, 'acme/site', '--to', 'v1.0.0');
    expect(run).toMatchObject({
      code: 0,
      stdout: 'acme/site: staging, prod, prod-eu already at 1.0.0: nothing to change\n',
    });
    expect(await snapshot(repo.fleetDir)).toEqual(before);
  });

  const REFUSALS: { name: string; args: string[]; message: RegExp; dirty?: boolean }[] = [
    {
      name: 'an unknown product, suggesting the close one',
      args: ['acme/sit', '--to', '1.0.0'],
      message: /no product acme\/sit in the fleet repo; did you mean acme\/site\?/,
    },
    {
      name: 'a version that is not a release, naming the tag and the releases there are',
      args: ['acme/site', '--to', '0.9.0'],
      message:
        /acme\/site has no release 0\.9\.0: no tag v0\.9\.0 in .*site\.git \(newest releases: 1\.1\.0, 1\.0\.0\)/,
    },
    {
      name: 'a version that is not semantic',
      args: ['acme/site', '--to', 'yesterday'],
      message: /--to 'yesterday' is not a semantic version: expected one such as 1\.4\.0 or v1\.4\.0/,
    },
    {
      name: 'a product without a deploy block',
      args: ['acme/lib', '--to', '1.0.0'],
      message: /acme\/lib has no spec\.deploy \(products\/acme\/lib\.yaml\)/,
    },
    {
      name: 'an environment the product does not have',
      args: ['acme/site', '--to', '1.0.0', '--environment', 'prd'],
      message: /acme\/site has no environment prd \(it has staging, prod, prod-eu\); did you mean prod\?/,
    },
    {
      name: 'a manifest with uncommitted changes',
      args: ['acme/site', '--to', '1.0.0'],
      dirty: true,
      message: /products\/acme\/site\.yaml has uncommitted changes in .*: commit or discard them first/,
    },
  ];

  it.each(REFUSALS)('refuses $name, exits 1 and changes nothing', async ({ args, message, dirty }) => {
    const repo = await siteFleet();
    if (dirty) writeFileSync(join(repo.fleetDir, MANIFEST), `${siteSpec(repo.root)}# half-written\n`);
    const before = await snapshot(repo.fleetDir);
    const run = await rollback(repo, ...args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(await snapshot(repo.fleetDir)).toEqual(before);
  });
});

describe('rollback of a fleet repo that is not this work tree', () => {
  it('pushes the commit to the branch of a fleet repo given as a URL, and only commits locally in a clone with an upstream', async () => {
    const repo = await siteFleet();
    const remote = join(repo.root, 'fleet-remote.git');
    await git(repo.root, 'clone', '-q', '--bare', repo.fleetDir, remote);
    const base = await git(remote, 'rev-parse', 'main');
    mkdirSync(join(repo.root, 'ops'));
    // Relative product URLs of a remote fleet resolve against the working directory, as for every command.
    const pushed = await cli(join(repo.root, 'ops'), [
      '--fleet',
      `file://${remote}`,
      'rollback',
      'acme/site',
      '--to',
      '1.0.0',
      '--environment',
      'prod',
    ]);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    const head = await git(remote, 'rev-parse', 'main');
    expect(await git(remote, 'rev-parse', 'main~1')).toBe(base);
    expect(await git(remote, 'show', '--name-only', '--format=', 'main')).toBe(MANIFEST);
    expect(await git(remote, 'show', `main:${MANIFEST}`)).toBe(pinned(repo, '1.0.0', ['prod']).trimEnd());
    expect(pushed.stdout).toContain(`committed ${head.slice(0, 12)}`);
    expect(pushed.stdout).toMatch(
      /pushed to main of file:\/\/.*fleet-remote\.git: the reconciler deploys it/,
    );

    const clone = join(repo.root, 'clone');
    await git(repo.root, 'clone', '-q', remote, clone);
    const local = await cli(repo.root, ['--fleet', clone, 'rollback', 'acme/site', '--to', '1.0.0']);
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(
      /the commit is local, on main, not pushed: push it \(git push, or a branch and a pull request to origin\/main\)/,
    );
    expect(await git(clone, 'rev-parse', 'HEAD~1')).toBe(head);
    expect(await git(remote, 'rev-parse', 'main')).toBe(head);
  });

  it('commits to the branch of a local bare fleet repo', async () => {
    const repo = await siteFleet();
    const bare = join(repo.root, 'fleet.git');
    await git(repo.root, 'clone', '-q', '--bare', repo.fleetDir, bare);
    const base = await git(bare, 'rev-parse', 'main');
    const run = await cli(repo.root, ['--fleet', bare, 'rollback', 'acme/site', '--to', '1.1.0']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await git(bare, 'rev-parse', 'main~1')).toBe(base);
    expect(await git(bare, 'show', `main:${MANIFEST}`)).toBe(
      pinned(repo, '1.1.0', ['staging', 'prod', 'prod-eu']).trimEnd(),
    );
  });
});

interface ReconcileJson {
  executed: { kind: string; environment?: string; outcome: string }[];
  plan: { actions: { id: string; environment?: string; blockedBy: { type: string; rules?: string[] }[] }[] };
}

describe('rollback, then reconcile', () => {
  it('deploys the old release for real through Ansible, gated by the constitution like any deploy', async () => {
    const repo = await siteFleet(GATED);
    const reconcile = async (): Promise<ReconcileJson> => {
      const run = await cli(repo.root, ['--fleet', repo.fleetDir, 'reconcile', '--format', 'json']);
      return JSON.parse(run.stdout) as ReconcileJson;
    };
    const deployed = (env: string) => ({
      html: readFileSync(join(repo.root, 'www', env, 'index.html'), 'utf8'),
      marker: readFileSync(join(repo.root, 'www', env, '.codemonkeys-version'), 'utf8').trim(),
    });
    const deploys = (result: ReconcileJson) =>
      result.executed
        .filter((action) => action.kind === 'deploy.apply')
        .map((action) => `${action.environment} ${action.outcome}`)
        .sort();
    const heldForAlice = (result: ReconcileJson) =>
      result.plan.actions.find((action) => action.environment === 'prod-eu');

    const first = await reconcile();
    expect(deploys(first)).toEqual(['prod succeeded', 'staging succeeded']);
    expect(deployed('prod')).toEqual({ html: '<h1>one point one</h1>\n', marker: '1.1.0' });
    expect(heldForAlice(first)?.blockedBy).toEqual([
      expect.objectContaining({ type: 'awaiting-approval', rules: ['eu-asks-alice'] }),
    ]);

    const rolled = await rollback(repo, 'acme/site', '--to', '1.0.0');
    expect(rolled.code).toBe(0);
    const after = await reconcile();
    expect(deploys(after)).toEqual(['prod succeeded', 'staging succeeded']);
    expect(deployed('staging')).toEqual({ html: '<h1>one</h1>\n', marker: '1.0.0' });
    expect(deployed('prod')).toEqual({ html: '<h1>one</h1>\n', marker: '1.0.0' });
    // A rollback is a deploy like any other: prod-eu still waits for alice, now for 1.0.0.
    const held = heldForAlice(after);
    expect(held?.blockedBy).toEqual([
      expect.objectContaining({ type: 'awaiting-approval', rules: ['eu-asks-alice'] }),
    ]);
    expect(held?.id).not.toBe(heldForAlice(first)?.id);
    expect(existsSync(join(repo.root, 'www/prod-eu'))).toBe(false);
    expect(
      (await cli(repo.root, ['--fleet', repo.fleetDir, 'approve', held?.id as string, '--by', 'alice'])).code,
    ).toBe(0);
    expect(deploys(await reconcile())).toEqual(['prod-eu succeeded']);
    expect(deployed('prod-eu')).toEqual({ html: '<h1>one</h1>\n', marker: '1.0.0' });
  }, 240_000);
});
