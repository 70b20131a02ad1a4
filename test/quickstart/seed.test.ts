import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import {
  main,
  type ProductHistory,
  SeedError,
  type SeedResult,
  seedExampleRepos,
} from '../../src/quickstart/seed.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));
const HISTORY = JSON.parse(readFileSync(join(EXAMPLE, 'repos', 'history.json'), 'utf8')) as {
  products: Record<string, ProductHistory>;
};

interface ProductFile {
  file: string;
  manifest: {
    metadata: { name: string; org: string };
    spec: {
      repo: { url: string; branch?: string };
      build?: { steps: string[]; env?: Record<string, unknown> };
    };
  };
}

const PRODUCTS: ProductFile[] = readdirSync(join(EXAMPLE, 'products'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => ({
    file: `products/${file.split(sep).join('/')}`,
    manifest: parse(readFileSync(join(EXAMPLE, 'products', file), 'utf8')),
  }));

const scratch: string[] = [];

/** A copy of the example without anything a previous seed or run left in it. */
async function copyExample(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cm-quickstart-'));
  scratch.push(dir);
  await cp(EXAMPLE, dir, {
    recursive: true,
    filter: (source) => !/^\.(repos|codemonkeys)($|[\\/])/.test(relative(EXAMPLE, source)),
  });
  return dir;
}

// The tests' own git calls ignore the developer's settings, like the seed does.
const GIT_ENV = { GIT_CONFIG_GLOBAL: devNull, GIT_CONFIG_NOSYSTEM: '1' };

async function git(gitDir: string, ...args: string[]): Promise<string> {
  return (await execa('git', ['--git-dir', gitDir, ...args], { env: GIT_ENV })).stdout.trim();
}

function byId(results: SeedResult[]): Map<string, SeedResult> {
  return new Map(results.map((result) => [result.id, result]));
}

const SOURCE_TREES = readdirSync(join(EXAMPLE, 'repos'), { withFileTypes: true })
  .filter((org) => org.isDirectory())
  .flatMap((org) => readdirSync(join(EXAMPLE, 'repos', org.name)).map((name) => `${org.name}/${name}`))
  .sort();

describe('seedExampleRepos', () => {
  let example: string;
  let first: SeedResult[];

  beforeAll(async () => {
    example = await copyExample();
    first = await seedExampleRepos(example);
  });

  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('creates a bare repo on branch main for every product source tree, holding exactly its files', async () => {
    expect(first.map((result) => result.id)).toEqual(SOURCE_TREES);
    for (const result of first) {
      expect(result.outcome).toBe('created');
      expect(result.gitDir).toBe(join(example, '.repos', `${result.id}.git`));
      expect(await git(result.gitDir, 'rev-parse', '--is-bare-repository')).toBe('true');
      expect(await git(result.gitDir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
      expect(await git(result.gitDir, 'rev-parse', 'main')).toBe(result.head);
      const tracked = (await git(result.gitDir, 'ls-tree', '-r', '--name-only', 'main')).split('\n');
      const onDisk = (
        await readdir(join(example, 'repos', result.id), { recursive: true, withFileTypes: true })
      )
        .filter((entry) => entry.isFile())
        .map((entry) =>
          relative(join(example, 'repos', result.id), join(entry.parentPath, entry.name))
            .split(sep)
            .join('/'),
        );
      expect(tracked.sort()).toEqual(onDisk.sort());
    }
  });

  it('replays history.json: one commit per entry, in order, with its message, date and tag', async () => {
    for (const result of first) {
      const history = HISTORY.products[result.id] as ProductHistory;
      const log = await git(result.gitDir, 'log', '--reverse', '--format=%s|%aI|%an', 'main');
      const expected = history.commits.map(
        (commit) =>
          `${commit.message}|${new Date(commit.date).toISOString().replace('.000Z', '+00:00')}|Code Monkeys Quickstart`,
      );
      expect(log.split('\n')).toEqual(expected);
      for (const commit of history.commits.filter((each) => each.tag !== undefined)) {
        expect(await git(result.gitDir, 'log', '-1', '--format=%s', `refs/tags/${commit.tag}`)).toBe(
          commit.message,
        );
        expect(result.tags[commit.tag as string]).toBe(
          await git(result.gitDir, 'rev-parse', `refs/tags/${commit.tag}`),
        );
      }
    }
  });

  it('reports every repo unchanged on a second run and keeps its commits', async () => {
    const second = await seedExampleRepos(example);
    expect(second.map((result) => result.outcome)).toEqual(first.map(() => 'unchanged'));
    expect(second.map((result) => result.head)).toEqual(first.map((result) => result.head));
  });

  it("makes identical commit ids in another directory, whatever the user's git config and GIT_ variables say", async () => {
    const other = await copyExample();
    const home = await mkdtemp(join(tmpdir(), 'cm-quickstart-home-'));
    scratch.push(home);
    await writeFile(
      join(home, '.gitconfig'),
      '[user]\n\tname = Mallory\n[commit]\n\tgpgsign = true\n[init]\n\tdefaultBranch = trunk\n[i18n]\n\tcommitEncoding = ISO-8859-1\n',
    );
    vi.stubEnv('HOME', home);
    vi.stubEnv('XDG_CONFIG_HOME', home);
    vi.stubEnv('GIT_AUTHOR_NAME', 'Mallory');
    vi.stubEnv('GIT_COMMITTER_DATE', '2001-01-01T00:00:00Z');
    vi.stubEnv('GIT_CONFIG_GLOBAL', join(home, '.gitconfig'));
    vi.stubEnv('GIT_CONFIG_COUNT', '1');
    vi.stubEnv('GIT_CONFIG_KEY_0', 'i18n.commitEncoding');
    vi.stubEnv('GIT_CONFIG_VALUE_0', 'ISO-8859-1');
    try {
      const again = await seedExampleRepos(other);
      expect(again.map(({ id, head, tags }) => ({ id, head, tags }))).toEqual(
        first.map(({ id, head, tags }) => ({ id, head, tags })),
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('recreates a repo whose main was moved, and a directory that is not a repo, leaving the others alone', async () => {
    const results = byId(first);
    const widget = results.get('acme/widget') as SeedResult;
    const rotate = results.get('globex/rotate') as SeedResult;
    await git(widget.gitDir, 'update-ref', 'refs/heads/main', 'main~1');
    await rm(rotate.gitDir, { recursive: true });
    await mkdir(rotate.gitDir);
    await writeFile(join(rotate.gitDir, 'HEAD'), 'not a repo\n');

    const after = byId(await seedExampleRepos(example));

    for (const [id, result] of after) {
      expect(result.outcome, id).toBe(
        id === 'acme/widget' || id === 'globex/rotate' ? 'recreated' : 'unchanged',
      );
      expect(await git(result.gitDir, 'rev-parse', 'main'), id).toBe(results.get(id)?.head);
    }
  });

  it('refuses a history that misses a file or names a missing one, reporting both and writing nothing', async () => {
    const broken = await copyExample();
    await writeFile(join(broken, 'repos', 'acme', 'widget', 'stray.txt'), 'left behind\n');
    const history = structuredClone(HISTORY);
    history.products['globex/ledger']?.commits[0]?.files.push('ledger/ghost.py');
    await writeFile(join(broken, 'repos', 'history.json'), JSON.stringify(history));

    const seeding = seedExampleRepos(broken);

    await expect(seeding).rejects.toThrow(SeedError);
    await expect(seeding).rejects.toThrow(
      /acme\/widget: stray\.txt is in repos\/acme\/widget\/ but no commit introduces it/,
    );
    await expect(seeding).rejects.toThrow(/globex\/ledger: commit 1: ledger\/ghost\.py does not exist/);
    await expect(readdir(join(broken, '.repos'))).rejects.toThrow(/ENOENT/);
  });

  it('prints one line per repo with its commit id and outcome from the command line', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      expect(await main([example])).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect(lines).toEqual(
      first.map((result) => expect.stringMatching(new RegExp(`^${result.id} +${result.head}  unchanged$`))),
    );
  });

  it('names, in every product manifest, a repo the seed creates, under products/<org>/<name>.yaml', () => {
    const created = new Set(first.map((result) => result.gitDir));
    for (const { file, manifest } of PRODUCTS) {
      const { org, name } = manifest.metadata;
      expect(file).toBe(`products/${org}/${name}.yaml`);
      expect(manifest.spec.repo.url).toBe(`.repos/${org}/${name}.git`);
      expect(created.has(resolve(example, manifest.spec.repo.url)), file).toBe(true);
      expect(manifest.spec.repo.branch ?? 'main').toBe('main');
    }
    expect(PRODUCTS.map(({ manifest }) => `${manifest.metadata.org}/${manifest.metadata.name}`)).toEqual(
      SOURCE_TREES,
    );
  });

  describe.each(
    PRODUCTS.map(({ manifest }) => [`${manifest.metadata.org}/${manifest.metadata.name}`, manifest] as const),
  )('product %s', (id, manifest) => {
    it('passes every build step, run with bash -c in a fresh clone of its seeded repo', async () => {
      const steps = manifest.spec.build?.steps ?? [];
      expect(steps.length).toBeGreaterThan(0);
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(manifest.spec.build?.env ?? {})) {
        expect(typeof value, `build.env.${key} of ${id} is a plain string`).toBe('string');
        env[key] = value as string;
      }
      const clone = await mkdtemp(join(tmpdir(), 'cm-quickstart-build-'));
      scratch.push(clone);
      const origin = resolve(example, manifest.spec.repo.url);
      await execa('git', ['clone', '--quiet', '--branch', 'main', origin, clone], { env: GIT_ENV });
      for (const step of steps) {
        const run = await execa('bash', ['-c', step], {
          cwd: clone,
          env,
          all: true,
          reject: false,
          timeout: 30_000,
        });
        expect(run.exitCode, `${id}: '${step}' failed:\n${run.all}`).toBe(0);
      }
    });
  });
});
