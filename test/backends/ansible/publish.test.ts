import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaybookRequest, PlaybookResult } from '../../../src/backends/ansible/index.js';
import { Redactor } from '../../../src/log/redact.js';
import { type FakeRegistries, startFakeRegistries } from './fake-registries.js';
import { leftovers, type TestRunner, tempDir, testRunner } from './helpers.js';

// The library's publish playbooks against registries on 127.0.0.1: they ask before they publish.
const NPM_TOKEN = 'npm-token-b81f27d0';
const REGISTRY_PASSWORD = 'registry-password-6e0a';

const temp = tempDir('cm-ansible-publish-');
let test: TestRunner;
let registries: FakeRegistries;

beforeAll(async () => {
  registries = await startFakeRegistries({ npmToken: NPM_TOKEN, registryPassword: REGISTRY_PASSWORD });
  test = testRunner(temp.dir, { redactor: new Redactor() });
});
afterAll(async () => {
  await registries.close();
  temp.cleanup();
});

function changed(result: PlaybookResult): string[] {
  return result.tasks.filter((task) => task.status === 'changed').map((task) => task.task);
}

function secretsShown(result: PlaybookResult): boolean {
  const text = JSON.stringify(result);
  return text.includes(NPM_TOKEN) || text.includes(REGISTRY_PASSWORD);
}

describe('publish-npm.yml', () => {
  let request: PlaybookRequest;

  beforeAll(() => {
    const dir = join(temp.dir, 'widget');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'widget', version: '1.2.0', main: 'index.js' }),
    );
    writeFileSync(join(dir, 'index.js'), 'export const widget = 1;\n');
    request = {
      playbook: 'publish-npm.yml',
      baseDir: temp.dir,
      vars: { npm_package_dir: dir, npm_registry: `${registries.url}/` },
      secretEnv: { NPM_TOKEN },
    };
  });

  it('in check mode says it would publish a version the registry lacks, and publishes nothing', async () => {
    registries.npm.set('widget', new Set(['1.1.0']));
    const result = await test.runner.check(request);
    expect(changed(result)).toEqual(['Would publish (check mode)']);
    expect(registries.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('publishes with the token from the environment, and a second run publishes nothing', async () => {
    const first = await test.runner.apply(request);
    expect(changed(first)).toEqual(['Publish']);
    expect(registries.npm.get('widget')).toEqual(new Set(['1.1.0', '1.2.0']));
    const puts = registries.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.authorization)).toEqual([`Bearer ${NPM_TOKEN}`]);

    const second = await test.runner.apply(request);
    expect(second.changed).toBe(false);
    expect(second.tasks.find((task) => task.task === 'Publish')?.status).toBe('skipped');
    expect(registries.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
    expect(secretsShown(first) || secretsShown(second)).toBe(false);
    expect(leftovers(test.runs)).toEqual([]);
  });
});

// publish-pypi.yml runs against a real pypiserver in publish-registries.test.ts.
describe('publish-crates.yml and publish-container.yml in check mode', () => {
  beforeAll(() => {
    registries.crates.add('widget 1.1.0');
    registries.images.add('acme/widget:1.1.0');
  });

  function crates(version: string): PlaybookRequest {
    const vars = {
      crate_dir: temp.dir,
      crate_name: 'widget',
      crate_version: version,
      crates_api_url: registries.url,
    };
    return { playbook: 'publish-crates.yml', baseDir: temp.dir, vars };
  }

  function container(tag: string): PlaybookRequest {
    const vars = {
      container_source: `oci-archive:${join(temp.dir, 'image.tar')}`,
      container_registry: new URL(registries.url).host,
      container_repository: 'acme/widget',
      container_tag: tag,
      container_registry_scheme: 'http',
    };
    const secretEnv = { REGISTRY_USERNAME: registries.registryUser, REGISTRY_PASSWORD };
    return { playbook: 'publish-container.yml', baseDir: temp.dir, vars, secretEnv };
  }

  it('finds a published version and would change nothing', async () => {
    const results = await Promise.all([
      test.runner.check(crates('1.1.0')),
      test.runner.check(container('1.1.0')),
    ]);
    for (const result of results) {
      expect(changed(result)).toEqual([]);
      expect(secretsShown(result)).toBe(false);
    }
  });

  it('would publish a version the registry lacks', async () => {
    const results = await Promise.all([
      test.runner.check(crates('1.2.0')),
      test.runner.check(container('1.2.0')),
    ]);
    expect(results.map(changed)).toEqual([['Would publish (check mode)'], ['Would push (check mode)']]);
    // crates.io turns away requests without a User-Agent; the registry got its token through the bearer flow.
    expect(
      registries.requests.filter((r) => r.path.startsWith('/api/v1/crates/')).every((r) => r.userAgent),
    ).toBe(true);
    expect(registries.requests.filter((r) => r.path === '/token').length).toBeGreaterThan(0);
    for (const result of results) expect(secretsShown(result)).toBe(false);
  });
});
