import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnsiblePlaybookFailed,
  type PlaybookRequest,
  type PlaybookResult,
} from '../../../src/backends/ansible/index.js';
import { Redactor } from '../../../src/log/redact.js';
import {
  type ContainerRegistry,
  startContainerRegistry,
} from '../../helpers/registries/container-registry.js';
import { writeOciImage } from '../../helpers/registries/oci-image.js';
import { type Pypiserver, startPypiserver } from '../../helpers/registries/pypiserver.js';
import { type PythonDists, pipDownload, writePythonDists } from '../../helpers/registries/python-dist.js';
import { startVerdaccio, type Verdaccio } from '../../helpers/registries/verdaccio.js';
import { leftovers, rejection, type TestRunner, tempDir, testRunner } from './helpers.js';

// The library's publish playbooks against real registries on 127.0.0.1 (Verdaccio, pypiserver,
// docker-registry), each started once for this file: check, apply, read back, apply again.
const temp = tempDir('cm-ansible-registries-');
let test: TestRunner;

beforeAll(() => {
  test = testRunner(temp.dir, { redactor: new Redactor() });
});
afterAll(() => temp.cleanup());

function changed(result: PlaybookResult): string[] {
  return result.tasks.filter((task) => task.status === 'changed').map((task) => task.task);
}

function statusOf(result: PlaybookResult, task: string): string | undefined {
  return result.tasks.find((entry) => entry.task === task)?.status;
}

/** The message and the whole result of a failed run, as a caller would log or journal them. */
function failureText(error: Error): string {
  expect(error).toBeInstanceOf(AnsiblePlaybookFailed);
  return `${error.message}\n${JSON.stringify((error as AnsiblePlaybookFailed).result)}`;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('publish-npm.yml against Verdaccio', () => {
  let verdaccio: Verdaccio;
  let request: PlaybookRequest;
  const results: PlaybookResult[] = [];

  beforeAll(async () => {
    verdaccio = await startVerdaccio();
    const dir = join(temp.dir, 'npm-widget');
    mkdirSync(dir, { recursive: true });
    const manifest = { name: '@acme/widget', version: '1.2.0', main: 'index.js', license: 'MIT' };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'index.js'), 'export const widget = "1.2.0";\n');
    request = {
      playbook: 'publish-npm.yml',
      baseDir: temp.dir,
      vars: { npm_package_dir: dir, npm_registry: `${verdaccio.url}/`, npm_access: 'public' },
      secretEnv: { NPM_TOKEN: verdaccio.token },
    };
  });
  afterAll(() => verdaccio?.stop());

  const packument = () => fetch(`${verdaccio.url}/@acme%2fwidget`);

  it('in check mode says it would publish a version the registry lacks, and publishes nothing', async () => {
    const result = await test.runner.check(request);
    results.push(result);
    expect(changed(result)).toEqual(['Would publish (check mode)']);
    expect((await packument()).status).toBe(404);
  });

  it('publishes with the token, and the registry then serves the version and its tarball', async () => {
    const result = await test.runner.apply(request);
    results.push(result);
    expect(changed(result)).toEqual(['Publish']);

    const response = await packument();
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      'dist-tags': Record<string, string>;
      versions: Record<string, { dist: { tarball: string; shasum: string } }>;
    };
    expect(body['dist-tags'].latest).toBe('1.2.0');
    const dist = body.versions['1.2.0']?.dist;
    expect(dist).toBeDefined();
    const tarball = await download(dist?.tarball ?? '');
    expect(createHash('sha1').update(tarball).digest('hex')).toBe(dist?.shasum);
    const unpacked = await execa('tar', ['-xzO', '-f', '-', 'package/index.js'], { input: tarball });
    expect(unpacked.stdout).toBe('export const widget = "1.2.0";');
  });

  it('publishes nothing on a second apply, and check mode then sees nothing to do', async () => {
    const result = await test.runner.apply(request);
    const check = await test.runner.check(request);
    results.push(result, check);
    expect(result.changed).toBe(false);
    expect(statusOf(result, 'Publish')).toBe('skipped');
    expect(changed(check)).toEqual([]);
  });

  it('fails with a wrong token, says the registry refused it, and the registry keeps what it had', async () => {
    const dir = join(temp.dir, 'npm-widget-next');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@acme/widget', version: '1.3.0' }));
    const wrong = 'wrong-token-0b7e';
    const vars = { ...request.vars, npm_package_dir: dir };
    const error = await rejection(test.runner.apply({ ...request, vars, secretEnv: { NPM_TOKEN: wrong } }));
    expect(error.message).toMatch(/at task 'Report a failed publish': npm publish exited with 1: .*E40[13]/);
    expect(failureText(error)).not.toContain(wrong);
    const body = (await (await packument()).json()) as { versions: Record<string, unknown> };
    expect(Object.keys(body.versions)).toEqual(['1.2.0']);
  });

  it('never shows the token, and leaves no run directory behind', () => {
    expect(results).toHaveLength(4);
    expect(JSON.stringify(results)).not.toContain(verdaccio.token);
    expect(leftovers(test.runs)).toEqual([]);
  });
});

describe('publish-pypi.yml against pypiserver', () => {
  let pypi: Pypiserver;
  let dists: PythonDists;
  const results: PlaybookResult[] = [];

  beforeAll(async () => {
    pypi = await startPypiserver();
    const dir = join(temp.dir, 'pypi-dist');
    mkdirSync(dir, { recursive: true });
    dists = await writePythonDists(dir, {
      name: 'widget-ship',
      version: '1.2.0',
      files: { 'widget_ship/__init__.py': 'VERSION = "1.2.0"\n' },
    });
  });
  afterAll(() => pypi?.stop());

  function request(password = pypi.password, version = '1.2.0', dist = 'pypi-dist'): PlaybookRequest {
    return {
      playbook: 'publish-pypi.yml',
      baseDir: temp.dir,
      // Spelt as a user might: the playbook looks it up under its normalized name, widget-ship.
      vars: {
        pypi_dist_dir: join(temp.dir, dist),
        pypi_package: 'Widget_Ship',
        pypi_version: version,
        pypi_index_url: pypi.url,
        pypi_repository_url: pypi.uploadUrl,
      },
      secretEnv: { TWINE_USERNAME: pypi.username, TWINE_PASSWORD: password },
    };
  }

  it('in check mode says it would upload both distributions, and uploads nothing', async () => {
    const result = await test.runner.check(request());
    results.push(result);
    expect(changed(result)).toEqual(['Would publish (check mode)']);
    expect(result.tasks.find((task) => task.status === 'changed')?.data.msg).toBe(
      'would upload widget_ship-1.2.0-py3-none-any.whl, widget_ship-1.2.0.tar.gz',
    );
    expect((await fetch(`${pypi.url}/simple/widget-ship/`)).status).toBe(404);
  });

  it('fails with a wrong password, says twine was refused, and never shows the password', async () => {
    const wrong = 'wrong-password-5d1c';
    const error = await rejection(test.runner.apply(request(wrong)));
    expect(error.message).toMatch(
      /at task 'Report a failed upload': twine upload of Widget_Ship 1\.2\.0 exited with 1: .*403 Forbidden/,
    );
    expect(failureText(error)).not.toContain(wrong);
    expect((await fetch(`${pypi.url}/simple/widget-ship/`)).status).toBe(404);
  });

  it('uploads with the password, and pip then downloads the same wheel from the index', async () => {
    const result = await test.runner.apply(request());
    results.push(result);
    expect(changed(result)).toEqual(['Upload']);

    const index = await fetch(`${pypi.url}/simple/widget-ship/`);
    expect(index.status).toBe(200);
    const page = await index.text();
    expect(page).toContain('>widget_ship-1.2.0-py3-none-any.whl</a>');
    expect(page).toContain('>widget_ship-1.2.0.tar.gz</a>');
    const sdist = await download(`${pypi.url}/packages/widget_ship-1.2.0.tar.gz`);
    expect(sha256(sdist)).toBe(sha256(readFileSync(dists.sdist)));

    const [wheel] = await pipDownload(`${pypi.url}/simple/`, 'widget-ship==1.2.0', join(temp.dir, 'pip'));
    expect(wheel?.endsWith('/widget_ship-1.2.0-py3-none-any.whl')).toBe(true);
    expect(sha256(readFileSync(wheel ?? ''))).toBe(sha256(readFileSync(dists.wheel)));
  });

  it('uploads nothing on a second apply, and check mode then sees nothing to do', async () => {
    const result = await test.runner.apply(request());
    const check = await test.runner.check(request());
    results.push(result, check);
    expect(result.changed).toBe(false);
    expect(statusOf(result, 'Upload')).toBe('skipped');
    expect(changed(check)).toEqual([]);
  });

  it('uploads only the file a run before did not get to, such as the sdist after the wheel', async () => {
    const dir = join(temp.dir, 'pypi-dist-next');
    mkdirSync(dir, { recursive: true });
    const next = await writePythonDists(dir, {
      name: 'widget-ship',
      version: '1.3.0',
      files: { 'widget_ship/__init__.py': 'VERSION = "1.3.0"\n' },
    });
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: temp.dir };
    await execa('twine', ['upload', '--non-interactive', '--repository-url', pypi.uploadUrl, next.wheel], {
      env: { ...env, TWINE_USERNAME: pypi.username, TWINE_PASSWORD: pypi.password },
      extendEnv: false,
    });

    const check = await test.runner.check(request(pypi.password, '1.3.0', 'pypi-dist-next'));
    const apply = await test.runner.apply(request(pypi.password, '1.3.0', 'pypi-dist-next'));
    results.push(check, apply);
    expect(check.tasks.find((task) => task.status === 'changed')?.data.msg).toBe(
      'would upload widget_ship-1.3.0.tar.gz',
    );
    expect(changed(apply)).toEqual(['Upload']);
    const page = await (await fetch(`${pypi.url}/simple/widget-ship/`)).text();
    expect(page).toContain('>widget_ship-1.3.0.tar.gz</a>');
  });

  it('never shows the password, and leaves no run directory behind', () => {
    expect(results).toHaveLength(6);
    expect(JSON.stringify(results)).not.toContain(pypi.password);
    expect(leftovers(test.runs)).toEqual([]);
  });
});

describe('publish-container.yml against docker-registry', () => {
  let registry: ContainerRegistry;
  let request: PlaybookRequest;
  let digest: string;

  beforeAll(async () => {
    registry = await startContainerRegistry();
    const image = await writeOciImage(
      join(temp.dir, 'oci-widget'),
      { 'srv/widget/index.html': '<h1>widget 1.2.0</h1>\n' },
      { tag: '1.2.0' },
    );
    digest = image.digest;
    request = {
      playbook: 'publish-container.yml',
      baseDir: temp.dir,
      vars: {
        container_source: image.ref,
        container_registry: registry.host,
        container_repository: 'acme/widget',
        container_tag: '1.2.0',
        container_registry_scheme: 'http',
        container_tls_verify: false,
      },
    };
  });
  afterAll(() => registry?.stop());

  const manifest = () =>
    fetch(`${registry.url}/v2/acme/widget/manifests/1.2.0`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });

  it('in check mode says it would push a tag the registry lacks, and pushes nothing', async () => {
    const result = await test.runner.check(request);
    expect(changed(result)).toEqual(['Would push (check mode)']);
    expect((await manifest()).status).toBe(404);
  });

  it('pushes over plain HTTP, and the registry then serves the image under its digest', async () => {
    const result = await test.runner.apply(request);
    expect(changed(result)).toEqual(['Push']);

    const head = await manifest();
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const inspect = await execa('skopeo', [
      'inspect',
      '--tls-verify=false',
      `docker://${registry.host}/acme/widget:1.2.0`,
    ]);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ Digest: digest, RepoTags: ['1.2.0'] });
  });

  it('pushes nothing on a second apply, and check mode then sees nothing to do', async () => {
    const result = await test.runner.apply(request);
    const check = await test.runner.check(request);
    expect(result.changed).toBe(false);
    expect(statusOf(result, 'Push')).toBe('skipped');
    expect(changed(check)).toEqual([]);
    expect(leftovers(test.runs)).toEqual([]);
  });
});
