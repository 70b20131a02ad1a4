import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bumpCargoToml,
  bumpPackageJson,
  bumpPackageLock,
  bumpPyprojectToml,
  bumpVersionFiles,
} from '../../../src/facets/release/version-files.js';

const lines = (...all: string[]) => `${all.join('\n')}\n`;

describe('bumpPackageJson', () => {
  it.each<[string, string, string | undefined]>([
    [
      'replaces the top-level version and keeps the formatting',
      '{\n    "name": "widget",\n    "version":   "1.2.0",\n  "dependencies": { "x": "1.2.0" }\n}\n',
      '{\n    "name": "widget",\n    "version":   "1.3.0",\n  "dependencies": { "x": "1.2.0" }\n}\n',
    ],
    [
      'leaves a nested version alone when it comes first',
      '{"config":{"version":"9.9.9"},"version":"1.2.0"}',
      '{"config":{"version":"9.9.9"},"version":"1.3.0"}',
    ],
    [
      'skips strings that look like keys',
      '{"description":"\\"version\\": \\"1.2.0\\"","version":"1.2.0"}',
      '{"description":"\\"version\\": \\"1.2.0\\"","version":"1.3.0"}',
    ],
    ['keeps a byte order mark', '\uFEFF{"version": "1.2.0"}', '\uFEFF{"version": "1.3.0"}'],
    ['gives undefined without a version', '{"name": "widget", "private": true}', undefined],
    ['gives undefined for a version that is not a string', '{"version": 1}', undefined],
    ['gives undefined for a file that is not JSON', '{"version": ', undefined],
    ['gives undefined for a JSON array', '["version"]', undefined],
  ])('%s', (_name, text, expected) => {
    expect(bumpPackageJson(text, '1.3.0')).toBe(expected);
  });
});

describe('bumpPackageLock', () => {
  const lock = (root: string, pkg: string) =>
    JSON.stringify(
      {
        name: 'widget',
        version: root,
        lockfileVersion: 3,
        packages: {
          '': { name: 'widget', version: pkg, dependencies: { x: '^1.2.0' } },
          'node_modules/x': { version: '1.2.0' },
        },
      },
      null,
      2,
    );

  it.each<[string, string, string | undefined]>([
    ['bumps the root version and packages[""].version', lock('1.2.0', '1.2.0'), lock('1.3.0', '1.3.0')],
    [
      'bumps a lockfile v1 with only the root version',
      '{"version":"1.2.0","lockfileVersion":1}',
      '{"version":"1.3.0","lockfileVersion":1}',
    ],
    ['gives undefined without either version', '{"lockfileVersion":3,"packages":{"":{}}}', undefined],
  ])('%s', (_name, text, expected) => {
    expect(bumpPackageLock(text, '1.3.0')).toBe(expected);
  });

  it('leaves the versions of dependencies alone', () => {
    const bumped = JSON.parse(bumpPackageLock(lock('1.2.0', '1.2.0'), '1.3.0') ?? '{}');
    expect(bumped.packages['node_modules/x'].version).toBe('1.2.0');
  });
});

describe('bumpCargoToml', () => {
  it.each<[string, string, string | undefined]>([
    [
      'replaces [package] version, keeping comments and [dependencies] versions',
      lines(
        '# the widget crate',
        '[package]',
        'name = "widget"',
        'version = "1.2.0" # bumped by releases',
        '',
        '[dependencies]',
        'serde = { version = "1.2.0" }',
        '',
        '[dependencies.tokio]',
        'version = "1.2.0"',
      ),
      lines(
        '# the widget crate',
        '[package]',
        'name = "widget"',
        'version = "1.3.0" # bumped by releases',
        '',
        '[dependencies]',
        'serde = { version = "1.2.0" }',
        '',
        '[dependencies.tokio]',
        'version = "1.2.0"',
      ),
    ],
    [
      'does not take a version from a table after [package]',
      lines('[package]', 'name = "widget"', '', '[dependencies.x]', 'version = "1.2.0"'),
      undefined,
    ],
    [
      'gives undefined for a version inherited from the workspace',
      lines('[package]', 'version.workspace = true'),
      undefined,
    ],
    [
      'gives undefined for an inline workspace version',
      lines('[package]', 'version = { workspace = true }'),
      undefined,
    ],
    [
      'bumps [workspace.package] of a workspace root',
      lines('[workspace]', 'members = ["a"]', '', '[workspace.package]', "version = '1.2.0'"),
      lines('[workspace]', 'members = ["a"]', '', '[workspace.package]', "version = '1.3.0'"),
    ],
    [
      'skips a multi-line string that holds a table-like line',
      lines('[package]', 'description = """', '[dependencies]', '"""', 'version = "1.2.0"'),
      lines('[package]', 'description = """', '[dependencies]', '"""', 'version = "1.3.0"'),
    ],
    ['keeps CRLF line ends', '[package]\r\nversion = "1.2.0"\r\n', '[package]\r\nversion = "1.3.0"\r\n'],
  ])('%s', (_name, text, expected) => {
    expect(bumpCargoToml(text, '1.3.0')).toBe(expected);
  });
});

describe('bumpPyprojectToml', () => {
  it.each<[string, string, string | undefined]>([
    [
      'replaces [project] version',
      lines(
        '[project]',
        'name = "widget"',
        'version = "1.2.0"  # keep me',
        '',
        '[tool.x]',
        'version = "0.0.1"',
      ),
      lines(
        '[project]',
        'name = "widget"',
        'version = "1.3.0"  # keep me',
        '',
        '[tool.x]',
        'version = "0.0.1"',
      ),
    ],
    [
      'replaces [tool.poetry] version when there is no [project] version',
      lines('[tool.poetry]', 'name = "widget"', 'version = "1.2.0"'),
      lines('[tool.poetry]', 'name = "widget"', 'version = "1.3.0"'),
    ],
    [
      'prefers [project] over [tool.poetry]',
      lines('[tool.poetry]', 'version = "1.2.0"', '[project]', 'version = "1.2.0"'),
      lines('[tool.poetry]', 'version = "1.2.0"', '[project]', 'version = "1.3.0"'),
    ],
    [
      'gives undefined for a dynamic version',
      lines('[project]', 'name = "widget"', 'dynamic = ["version"]', '', '[tool.setuptools_scm]'),
      undefined,
    ],
    [
      'bumps [tool.poetry] beside a dynamic [project] version (Poetry 2)',
      lines('[project]', 'dynamic = ["version"]', '[tool.poetry]', 'version = "1.2.0"'),
      lines('[project]', 'dynamic = ["version"]', '[tool.poetry]', 'version = "1.3.0"'),
    ],
  ])('%s', (_name, text, expected) => {
    expect(bumpPyprojectToml(text, '1.3.0')).toBe(expected);
  });
});

describe('bumpVersionFiles', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes every version file present and names those it changed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'release-version-files-'));
    await writeFile(join(dir, 'package.json'), '{\n  "name": "widget",\n  "version": "1.2.0"\n}\n');
    await writeFile(
      join(dir, 'package-lock.json'),
      '{"version":"1.2.0","packages":{"":{"version":"1.2.0"}}}',
    );
    await writeFile(join(dir, 'pyproject.toml'), lines('[project]', 'dynamic = ["version"]'));
    expect(await bumpVersionFiles(dir, '1.3.0')).toEqual(['package.json', 'package-lock.json']);
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toBe(
      '{\n  "name": "widget",\n  "version": "1.3.0"\n}\n',
    );
    expect(await readFile(join(dir, 'package-lock.json'), 'utf8')).toBe(
      '{"version":"1.3.0","packages":{"":{"version":"1.3.0"}}}',
    );
    expect(await readFile(join(dir, 'pyproject.toml'), 'utf8')).toBe(
      lines('[project]', 'dynamic = ["version"]'),
    );
  });

  it('names nothing when the files already carry the version or there are none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'release-version-files-'));
    expect(await bumpVersionFiles(dir, '1.3.0')).toEqual([]);
    await writeFile(join(dir, 'Cargo.toml'), lines('[package]', 'version = "1.3.0"'));
    expect(await bumpVersionFiles(dir, '1.3.0')).toEqual([]);
  });

  it('refuses a version that is not semver before touching a file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'release-version-files-'));
    await writeFile(join(dir, 'Cargo.toml'), lines('[package]', 'version = "1.2.0"'));
    await expect(bumpVersionFiles(dir, '1.3.0"\n[evil]')).rejects.toThrow(/not a semantic version/);
    expect(await readFile(join(dir, 'Cargo.toml'), 'utf8')).toBe(lines('[package]', 'version = "1.2.0"'));
  });
});
