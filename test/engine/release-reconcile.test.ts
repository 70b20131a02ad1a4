import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite.js';
import { ensureBuilt } from '../helpers/build.js';
import type { FleetRepo } from '../helpers/fleet-repo.js';
import { git } from '../helpers/git.js';
import { reconcileRepo } from '../helpers/reconcile-repo.js';
import { type ContainerRegistry, startContainerRegistry } from '../helpers/registries/container-registry.js';
import { type Pypiserver, startPypiserver } from '../helpers/registries/pypiserver.js';
import { startVerdaccio, type Verdaccio } from '../helpers/registries/verdaccio.js';
import {
  commitConventional,
  createReleaseFleet,
  fileAt,
  MAKE_OCI_IMAGE,
  MAKE_PYTHON_DIST,
  subjectsOf,
  tagsOf,
} from '../helpers/release-fleet.js';

let npm: Verdaccio;
let pypi: Pypiserver;
let containers: ContainerRegistry;
const repos: FleetRepo[] = [];

beforeAll(async () => {
  await ensureBuilt();
  [npm, pypi, containers] = await Promise.all([
    startVerdaccio(),
    startPypiserver(),
    startContainerRegistry(),
  ]);
}, 180_000);
afterAll(async () => {
  await Promise.all([npm?.stop(), pypi?.stop(), containers?.stop()]);
});
afterEach(() => {
  for (const repo of repos.splice(0)) repo.cleanup();
});

/** The registries' secrets, as the fleet's `{ env: … }` references name them. */
function registryEnv(): NodeJS.ProcessEnv {
  return { ...process.env, TEST_NPM_TOKEN: npm.token, TEST_PYPI_PASSWORD: pypi.password };
}

/** acme/lib (npm), acme/tool (PyPI, from its dist/), acme/image (an OCI image from its image/). */
async function threeRegistriesFleet(): Promise<FleetRepo> {
  const repo = await createReleaseFleet([
    {
      name: 'lib',
      files: {
        'package.json': '{\n  "name": "@acme/lib",\n  "version": "0.0.0"\n}\n',
        'index.js': 'export {};\n',
      },
      steps: ['node --check index.js'],
      release: ['registries:', `  - { type: npm, url: "${npm.url}", token: { env: TEST_NPM_TOKEN } }`],
    },
    {
      name: 'tool',
      files: {
        'pyproject.toml': '[project]\nname = "acme-tool"\n# bumped by every release\nversion = "0.0.0"\n',
        'acme_tool/__init__.py': 'ANSWER = 42\n',
      },
      steps: [`python3 ${MAKE_PYTHON_DIST}`],
      artifacts: ['dist'],
      release: [
        'registries:',
        `  - { type: pypi, url: "${pypi.url}", username: ${pypi.username}, token: { env: TEST_PYPI_PASSWORD }, artifact: dist }`,
      ],
    },
    {
      name: 'image',
      files: {
        'package.json': '{ "name": "image", "version": "0.0.0", "private": true }\n',
        'site/index.html': '<h1>hi</h1>\n',
      },
      steps: [`node ${MAKE_OCI_IMAGE}`],
      artifacts: ['image'],
      release: ['registries:', `  - { type: container, url: "${containers.url}", artifact: image }`],
    },
  ]);
  repos.push(repo);
  for (const name of ['lib', 'tool', 'image']) {
    await commitConventional(repo, name, 'feat: the first feature', { 'NOTES.md': 'one\n' });
    await commitConventional(repo, name, 'fix(core): a bug', { 'NOTES.md': 'two\n' });
  }
  return repo;
}

describe('releases, end to end on real repositories and registries', () => {
  it('cuts each release from its commits (tag, changelog, version file), publishes it, and reads it back', async () => {
    const repo = await threeRegistriesFleet();
    const result = await reconcileRepo(repo, { env: registryEnv() });
    const done = result.executed
      .filter((action) => action.outcome === 'succeeded')
      .map((a) => `${a.kind} ${a.product}`);
    for (const name of ['lib', 'tool', 'image']) {
      expect(done.filter((line) => line === `release.cut acme/${name}`)).toHaveLength(1);
      expect(done.filter((line) => line === `release.publish acme/${name}`)).toHaveLength(1);
      const tags = await tagsOf(repo, name);
      expect([...tags.keys()]).toEqual(['v0.1.0']);
      expect(await subjectsOf(repo, name)).toContain('chore(release): 0.1.0');
      const changelog = await fileAt(repo, name, 'v0.1.0', 'CHANGELOG.md');
      expect(changelog).toMatch(
        /^# Changelog\n\n## 0\.1\.0 \(2026-11-26\)\n\n### Features\n\n\* the first feature/,
      );
      expect(changelog).toMatch(/### Bug Fixes\n\n\* \*\*core:\*\* a bug/);
    }
    expect(JSON.parse(await fileAt(repo, 'lib', 'v0.1.0', 'package.json')).version).toBe('0.1.0');
    expect(await fileAt(repo, 'tool', 'v0.1.0', 'pyproject.toml')).toContain(
      '# bumped by every release\nversion = "0.1.0"',
    );

    const packument = (await (await fetch(`${npm.url}/@acme%2flib`)).json()) as {
      versions: Record<string, unknown>;
    };
    expect(Object.keys(packument.versions)).toEqual(['0.1.0']);
    const index = await (await fetch(`${pypi.url}/simple/acme-tool/`)).text();
    expect(index).toContain('acme_tool-0.1.0-py3-none-any.whl');
    expect(index).toContain('acme_tool-0.1.0.tar.gz');
    const manifest = await fetch(`${containers.url}/v2/acme/image/manifests/0.1.0`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(manifest.status).toBe(200);

    // The notes are in the journal and the audit log, as the plan had them.
    const store = openStore(join(repo.fleetDir, '.codemonkeys/state.db'), { readonly: true });
    try {
      const cut = store.journalEntry('release.cut:acme/lib:0.1.0');
      expect(cut?.state).toBe('succeeded');
      expect(JSON.stringify(cut?.action?.params)).toContain('### Features');
    } finally {
      store.close();
    }

    const again = await reconcileRepo(repo, { env: registryEnv() });
    expect(again.executed).toEqual([]);
    expect(again.converged).toBe(true);
  }, 300_000);

  it('releases a product in a folder of a shared repo on an rc channel: only its commits count, {name}@ tags, rc numbers', async () => {
    const repo = await createReleaseFleet([
      {
        name: 'mono',
        files: {
          'packages/widget/package.json': '{\n  "name": "@acme/mono-widget",\n  "version": "0.0.0"\n}\n',
          'packages/widget/a.js': 'export {};\n',
          'other/README.md': 'not the widget\n',
        },
        steps: ['node --check packages/widget/a.js'],
        release: [
          'path: packages/widget',
          'tagFormat: "{name}@{version}"',
          'prerelease: rc',
          'registries:',
          `  - { type: npm, url: "${npm.url}", token: { env: TEST_NPM_TOKEN } }`,
        ],
      },
    ]);
    repos.push(repo);
    await commitConventional(repo, 'mono', 'feat!: something outside the widget', { 'other/x.txt': 'x\n' });
    await commitConventional(repo, 'mono', 'fix: inside the widget', {
      'packages/widget/a.js': 'export const a = 1;\n',
    });
    await reconcileRepo(repo, { env: registryEnv() });
    expect([...(await tagsOf(repo, 'mono')).keys()]).toEqual(['mono@0.1.0-rc.1']);
    const changelog = await fileAt(repo, 'mono', 'mono@0.1.0-rc.1', 'packages/widget/CHANGELOG.md');
    expect(changelog).toContain('inside the widget');
    expect(changelog).not.toContain('outside');
    expect(
      JSON.parse(await fileAt(repo, 'mono', 'mono@0.1.0-rc.1', 'packages/widget/package.json')).version,
    ).toBe('0.1.0-rc.1');

    await commitConventional(repo, 'mono', 'feat: more widget', { 'packages/widget/b.js': 'export {};\n' });
    await reconcileRepo(repo, { env: registryEnv() });
    expect([...(await tagsOf(repo, 'mono')).keys()].sort()).toEqual(['mono@0.1.0-rc.1', 'mono@0.1.0-rc.2']);
    const packument = (await (await fetch(`${npm.url}/@acme%2fmono-widget`)).json()) as {
      versions: Record<string, unknown>;
      'dist-tags': Record<string, string>;
    };
    expect(Object.keys(packument.versions).sort()).toEqual(['0.1.0-rc.1', '0.1.0-rc.2']);
    expect(packument['dist-tags'].rc).toBe('0.1.0-rc.2');
  }, 180_000);

  it('publishes a release tagged by hand that the branch moved past unbuilt: its commit is built first', async () => {
    const repo = await createReleaseFleet([
      {
        name: 'late',
        files: { 'package.json': '{ "name": "@acme/late", "version": "0.5.0" }\n' },
        steps: ['true'],
        release: ['registries:', `  - { type: npm, url: "${npm.url}", token: { env: TEST_NPM_TOKEN } }`],
      },
    ]);
    repos.push(repo);
    const work = join(repo.root, 'work/acme/late');
    const tagged = await git(work, 'rev-parse', 'HEAD');
    await git(work, 'tag', '-a', '-m', 'by hand', 'v0.5.0');
    await git(work, 'push', '-q', 'origin', 'v0.5.0');
    await commitConventional(repo, 'late', 'docs: after the release', { 'README.md': '# late\n' });
    const result = await reconcileRepo(repo, { env: registryEnv() });
    const ran = result.executed.map((action) => `${action.kind} ${action.outcome}`);
    expect(ran).toContain('release.publish succeeded');
    expect(ran).not.toContain('release.cut succeeded');
    const builds = result.executed.filter((action) => action.kind === 'build.trigger');
    expect(builds.map((action) => action.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(result.plan.actions).toEqual([]);
    const packument = (await (await fetch(`${npm.url}/@acme%2flate`)).json()) as {
      versions: Record<string, unknown>;
    };
    expect(Object.keys(packument.versions)).toEqual(['0.5.0']);
    expect((packument.versions['0.5.0'] as { gitHead?: string }).gitHead ?? tagged).toBe(tagged);
  }, 120_000);

  it('does not publish a release whose package.json names another version', async () => {
    const repo = await createReleaseFleet([
      {
        name: 'odd',
        files: { 'package.json': '{ "name": "@acme/odd", "version": "0.0.1" }\n' },
        steps: ['true'],
        release: ['registries:', `  - { type: npm, url: "${npm.url}", token: { env: TEST_NPM_TOKEN } }`],
      },
    ]);
    repos.push(repo);
    const work = join(repo.root, 'work/acme/odd');
    await git(work, 'tag', '-a', '-m', 'by hand', 'v0.9.0');
    await git(work, 'push', '-q', 'origin', 'v0.9.0');
    const result = await reconcileRepo(repo, { env: registryEnv() });
    const publish = result.executed.find((action) => action.kind === 'release.publish');
    expect(publish?.outcome).toBe('failed');
    expect(publish?.detail).toContain('package.json of release 0.9.0 says version "0.0.1"');
    expect((await fetch(`${npm.url}/@acme%2fodd`)).status).toBe(404);
  }, 120_000);

  it('does not release a commit whose build is red when the constitution says so', async () => {
    const constitution = `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: rules }
spec:
  defaultEffect: allow
  rules:
    - id: release-needs-green-build
      match: { actions: ["release.*"] }
      when: { observed: { build: { not: green } } }
      effect: deny
      message: The build of the release commit is not green.
`;
    const repo = await createReleaseFleet(
      [
        {
          name: 'lib',
          files: { 'package.json': '{ "name": "@acme/red", "version": "0.0.0" }\n' },
          steps: ['exit 3'],
          release: ['versioning: conventional'],
        },
      ],
      constitution,
    );
    repos.push(repo);
    await commitConventional(repo, 'lib', 'feat: something', { 'a.txt': 'a\n' });
    const result = await reconcileRepo(repo, { env: registryEnv() });
    const cut = result.plan.actions.find((action) => action.kind === 'release.cut');
    expect(cut?.verdict.effect).toBe('deny');
    expect(cut?.verdict.rules).toEqual(['release-needs-green-build']);
    expect(cut?.observed).toEqual({ build: 'red' });
    expect(result.executed.some((action) => action.kind === 'release.cut')).toBe(false);
    expect([...(await tagsOf(repo, 'lib')).keys()]).toEqual([]);
  }, 120_000);
});
