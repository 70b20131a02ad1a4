import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deployedVersions,
  type PlaybookRequest,
  type PlaybookResult,
} from '../../../src/backends/ansible/index.js';
import { leftovers, type TestRunner, tempDir, testRunner } from './helpers.js';

// The library's deploy-static-site.yml, really run against this machine in temporary folders.
const temp = tempDir('cm-ansible-site-');
let test: TestRunner;
let build: string;
let docroot: string;

function request(version: string): PlaybookRequest {
  return {
    playbook: 'deploy-static-site.yml',
    baseDir: temp.dir,
    vars: { site_src: build, site_docroot: docroot, site_version: version },
  };
}

function changedTasks(result: PlaybookResult): string[] {
  return result.tasks.filter((task) => task.status === 'changed').map((task) => task.task);
}

beforeAll(() => {
  test = testRunner(temp.dir);
  build = join(temp.dir, 'build');
  docroot = join(temp.dir, 'srv', 'www');
  mkdirSync(join(build, 'css'), { recursive: true });
  writeFileSync(join(build, 'index.html'), '<h1>one</h1>\n');
  writeFileSync(join(build, 'css', 'site.css'), 'body { color: black }\n');
  writeFileSync(join(build, '.well-known'), 'hidden files are part of the site\n');
});
afterAll(() => temp.cleanup());

describe('deploy-static-site.yml', () => {
  it('converges on apply, and a second apply changes nothing', async () => {
    const first = await test.runner.apply(request('1.0.0'));
    expect(first.mode).toBe('apply');
    expect(changedTasks(first)).toEqual(
      expect.arrayContaining([
        'Create the docroot and its folders',
        'Copy the site',
        'Record the deployed version',
      ]),
    );
    expect(deployedVersions(first)).toEqual({ localhost: { deployed: '', wanted: '1.0.0' } });
    expect(readFileSync(join(docroot, 'index.html'), 'utf8')).toBe('<h1>one</h1>\n');
    expect(readFileSync(join(docroot, 'css', 'site.css'), 'utf8')).toContain('black');
    expect(existsSync(join(docroot, '.well-known'))).toBe(true);
    expect(readFileSync(join(docroot, '.codemonkeys-version'), 'utf8')).toBe('1.0.0\n');

    const second = await test.runner.apply(request('1.0.0'));
    expect(changedTasks(second)).toEqual([]);
    expect(second.changed).toBe(false);
    expect(second.hosts.localhost).toMatchObject({ changed: 0, failures: 0, unreachable: 0 });
    expect(second.customStats.perHost.localhost?.deployed_version).toBe('1.0.0');
  });

  it('in check mode shows a new build as drift and a diff, writing nothing; apply then deploys it and prunes', async () => {
    writeFileSync(join(build, 'index.html'), '<h1>two</h1>\n');
    writeFileSync(join(docroot, 'stale.html'), 'left over from an old release\n');

    const check = await test.runner.check(request('1.1.0'));
    expect(check.mode).toBe('check');
    expect(check.changed).toBe(true);
    expect(deployedVersions(check)).toEqual({ localhost: { deployed: '1.0.0', wanted: '1.1.0' } });
    const copy = check.tasks.find((task) => task.task === 'Copy the site');
    expect(copy?.status).toBe('changed');
    expect(JSON.stringify(copy?.diff)).toContain('<h1>two</h1>');
    const prune = check.tasks.find((task) => task.task === 'Remove files the build no longer has');
    expect(prune?.status).toBe('changed');
    expect(readFileSync(join(docroot, 'index.html'), 'utf8')).toBe('<h1>one</h1>\n');
    expect(existsSync(join(docroot, 'stale.html'))).toBe(true);
    expect(readFileSync(join(docroot, '.codemonkeys-version'), 'utf8')).toBe('1.0.0\n');

    const apply = await test.runner.apply(request('1.1.0'));
    expect(apply.changed).toBe(true);
    expect(readFileSync(join(docroot, 'index.html'), 'utf8')).toBe('<h1>two</h1>\n');
    expect(existsSync(join(docroot, 'stale.html'))).toBe(false);
    expect(existsSync(join(docroot, 'css', 'site.css'))).toBe(true);
    expect(readFileSync(join(docroot, '.codemonkeys-version'), 'utf8')).toBe('1.1.0\n');
    expect(leftovers(test.runs)).toEqual([]);
  });
});
