import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { devNull } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { CodemonkeysError } from '../errors.js';
import { gitEnv } from '../util/git-env.js';

/** What seeding did to one product repo. */
export type SeedOutcome = 'created' | 'unchanged' | 'recreated';

export interface SeedResult {
  /** Product id, `org/name`. */
  id: string;
  /** Absolute path of the bare repo, `<exampleDir>/.repos/<org>/<name>.git`. */
  gitDir: string;
  /** The commit `main` points at: the same on every machine and every run. */
  head: string;
  /** Tag name → commit id, for the tags history.json asks for. */
  tags: Record<string, string>;
  outcome: SeedOutcome;
}

/** One commit of a product's history: the listed files enter the tree with their content on disk. */
export interface HistoryCommit {
  message: string;
  /** RFC 3339 date-time; it becomes both author and committer date. */
  date: string;
  /** Paths relative to the product's source tree, each introduced by exactly one commit. */
  files: string[];
  /** A lightweight tag put on this commit, such as v1.0.0. */
  tag?: string;
}

/** A product's history in `repos/history.json`; every file is mode 100644 unless listed in `executable`. */
export interface ProductHistory {
  executable?: string[];
  commits: HistoryCommit[];
}

/** The example's source trees or history.json are inconsistent, or git failed; nothing is retried. */
export class SeedError extends CodemonkeysError {
  override name = 'SeedError';
  constructor(message: string, cause?: unknown) {
    super(message, { reason: 'SeedFailed', next: 'stalled', cause });
  }
}

// Fixed identity and no user, system or environment git settings: commit ids depend on the files alone.
const IDENTITY = { name: 'Code Monkeys Quickstart', email: 'quickstart@codemonkeys.dev' };
const GIT_CONFIG = [
  `user.name=${IDENTITY.name}`,
  `user.email=${IDENTITY.email}`,
  'commit.gpgsign=false',
  'init.defaultBranch=main',
].flatMap((setting) => ['-c', setting]);
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const SAFE_PATH = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._@+-][A-Za-z0-9._@+/-]*$/;
const TAG = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Creates, for every product source tree `<exampleDir>/repos/<org>/<name>/`, a bare repo at
 * `<exampleDir>/.repos/<org>/<name>.git` whose branch `main` carries the history described in
 * `<exampleDir>/repos/history.json`. Deterministic: fixed identity, dates and modes. Idempotent:
 * a repo whose `main` and tags are already as expected is left alone; any other is recreated.
 */
export async function seedExampleRepos(exampleDir: string): Promise<SeedResult[]> {
  const root = resolve(exampleDir);
  const histories = await readHistories(join(root, 'repos', 'history.json'));
  const ids = await listSourceTrees(join(root, 'repos'));
  const problems: string[] = [];
  for (const id of ids) {
    if (!histories.has(id)) problems.push(`${id}: has a source tree but no entry in repos/history.json`);
  }
  for (const id of histories.keys()) {
    if (!ids.includes(id)) problems.push(`${id}: is in repos/history.json but repos/${id}/ does not exist`);
  }
  for (const id of ids) {
    const history = histories.get(id);
    if (history) problems.push(...checkHistory(id, history, await listFiles(join(root, 'repos', id))));
  }
  if (problems.length > 0) throw new SeedError(`cannot seed ${root}:\n  ${problems.join('\n  ')}`);
  return Promise.all(ids.map((id) => seedRepo(root, id, histories.get(id) as ProductHistory)));
}

async function seedRepo(root: string, id: string, history: ProductHistory): Promise<SeedResult> {
  const gitDir = join(root, '.repos', `${id}.git`);
  await mkdir(dirname(gitDir), { recursive: true });
  // Built beside its destination so the final rename stays on one file system.
  const scratch = await mkdtemp(join(dirname(gitDir), '.seed-'));
  try {
    const built = await buildRepo(join(root, 'repos', id), join(scratch, 'repo.git'), history);
    const present = existsSync(gitDir);
    const existing = present ? await readRefs(gitDir) : undefined;
    let outcome: SeedOutcome = 'unchanged';
    if (!existing || !(await isSame(gitDir, existing, built))) {
      outcome = present ? 'recreated' : 'created';
      await rm(gitDir, { recursive: true, force: true });
      await rename(join(scratch, 'repo.git'), gitDir);
    }
    return { id, gitDir, head: built.head, tags: Object.fromEntries(built.tags), outcome };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface BuiltRefs {
  head: string;
  tags: Map<string, string>;
}

/** Writes the history with plumbing (blobs, a scratch index, trees, commits), then the refs. */
async function buildRepo(sourceDir: string, gitDir: string, history: ProductHistory): Promise<BuiltRefs> {
  await git([
    'init',
    '--bare',
    '--quiet',
    '--initial-branch=main',
    '--object-format=sha1',
    '--template=',
    gitDir,
  ]);
  const executable = new Set(history.executable ?? []);
  const index = { GIT_INDEX_FILE: join(gitDir, 'seed-index') };
  const tags = new Map<string, string>();
  let head: string | undefined;
  for (const commit of history.commits) {
    const input = `${commit.files.map((file) => join(sourceDir, file)).join('\n')}\n`;
    const blobs = (
      await git(['hash-object', '-w', '--no-filters', '--stdin-paths'], { gitDir, input })
    ).split('\n');
    const entries = commit.files.map(
      (file, at) => `${executable.has(file) ? '100755' : '100644'} ${blobs[at]}\t${file}`,
    );
    await git(['update-index', '--add', '--index-info'], {
      gitDir,
      input: `${entries.join('\n')}\n`,
      env: index,
    });
    const tree = await git(['write-tree'], { gitDir, env: index });
    const parent = head === undefined ? [] : ['-p', head];
    head = await git(['commit-tree', tree, ...parent, '-m', commit.message], {
      gitDir,
      env: dateEnv(commit.date),
    });
    if (commit.tag !== undefined) tags.set(commit.tag, head);
  }
  const updates = [
    `create refs/heads/main ${head}`,
    ...[...tags].map(([tag, id]) => `create refs/tags/${tag} ${id}`),
  ];
  await git(['update-ref', '--stdin'], { gitDir, input: `${updates.join('\n')}\n` });
  await rm(index.GIT_INDEX_FILE, { force: true });
  return { head: head as string, tags };
}

/** `main` and every tag of an existing repo, or undefined when it is not a readable repo. */
async function readRefs(gitDir: string): Promise<BuiltRefs | undefined> {
  try {
    const format = '--format=%(refname) %(objectname)';
    const listing = await git(['for-each-ref', format, 'refs/heads/main', 'refs/tags/'], { gitDir });
    const refs = new Map(
      listing
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]),
    );
    const tags = new Map<string, string>();
    for (const [ref, id] of refs) {
      if (ref.startsWith('refs/tags/')) tags.set(ref.slice('refs/tags/'.length), id);
    }
    const head = refs.get('refs/heads/main');
    return head === undefined ? undefined : { head, tags };
  } catch {
    return undefined;
  }
}

// What the reconciler added on top of the seeded history (a release it cut: a commit on main and
// its tag) does not count as a difference: the seed's commits and tags are all still there.
async function isSame(gitDir: string, existing: BuiltRefs, built: BuiltRefs): Promise<boolean> {
  for (const [tag, id] of built.tags) if (existing.tags.get(tag) !== id) return false;
  if (existing.head === built.head) return true;
  try {
    await git(['merge-base', '--is-ancestor', built.head, existing.head], { gitDir });
    return true;
  } catch {
    return false;
  }
}

function dateEnv(date: string): Record<string, string> {
  const raw = `${Math.floor(Date.parse(date) / 1000)} +0000`;
  return {
    GIT_AUTHOR_NAME: IDENTITY.name,
    GIT_AUTHOR_EMAIL: IDENTITY.email,
    GIT_AUTHOR_DATE: raw,
    GIT_COMMITTER_NAME: IDENTITY.name,
    GIT_COMMITTER_EMAIL: IDENTITY.email,
    GIT_COMMITTER_DATE: raw,
  };
}

interface GitOptions {
  gitDir?: string;
  input?: string;
  env?: Record<string, string>;
}

/** Runs git isolated from the caller's git settings and GIT_* variables; returns trimmed stdout. */
async function git(args: string[], options: GitOptions = {}): Promise<string> {
  const location = options.gitDir === undefined ? [] : ['--git-dir', options.gitDir];
  try {
    const result = await execa('git', [...GIT_CONFIG, ...location, ...args], {
      env: isolatedEnv(options.env),
      extendEnv: false,
      ...(options.input === undefined ? {} : { input: options.input }),
    });
    return result.stdout.trim();
  } catch (error) {
    const { exitCode, signal, stderr } = error as { exitCode?: number; signal?: string; stderr?: string };
    const tail = String(stderr ?? '')
      .trim()
      .split('\n')
      .slice(-5)
      .join('\n');
    const how = signal ? `signal ${signal}` : `exit code ${exitCode ?? 'unknown'}`;
    throw new SeedError(`git ${args[0]} failed (${how}) in ${options.gitDir ?? '.'}: ${tail}`, error);
  }
}

/** The caller's environment without GIT_* variables, with no global or system git config. */
function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  }
  return { ...gitEnv(env), GIT_CONFIG_GLOBAL: devNull, GIT_CONFIG_NOSYSTEM: '1', ...extra } as Record<
    string,
    string
  >;
}

/** Reads and shape-checks repos/history.json: { products: { "org/name": ProductHistory } }. */
async function readHistories(file: string): Promise<Map<string, ProductHistory>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SeedError(`cannot read ${file}: ${(error as Error).message}`, error);
  }
  const products = (parsed as { products?: unknown } | null)?.products;
  if (typeof products !== 'object' || products === null || Array.isArray(products)) {
    throw new SeedError(`${file}: expected an object { "products": { "org/name": { "commits": [...] } } }`);
  }
  return new Map(Object.entries(products as Record<string, ProductHistory>));
}

/** What the commits before the one being checked have already used. */
interface HistoryState {
  id: string;
  /** Files of the source tree. */
  files: Set<string>;
  /** File → number of the commit that introduced it. */
  introduced: Map<string, number>;
  tags: Set<string>;
  previousTime: number;
}

/** Every problem of one product's history against the files of its source tree. */
function checkHistory(id: string, history: ProductHistory, files: string[]): string[] {
  const commits: unknown = history?.commits;
  if (!Array.isArray(commits) || commits.length === 0) return [`${id}: "commits" must be a non-empty list`];
  if (history.executable !== undefined && !Array.isArray(history.executable)) {
    return [`${id}: "executable" must be a list of paths`];
  }
  const state: HistoryState = {
    id,
    files: new Set(files),
    introduced: new Map(),
    tags: new Set(),
    previousTime: Number.NEGATIVE_INFINITY,
  };
  const problems: string[] = [];
  commits.forEach((raw: unknown, at) => {
    const commit = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<HistoryCommit>;
    problems.push(...checkCommit(commit, at + 1, state));
  });
  for (const file of files) {
    if (state.introduced.has(file)) continue;
    problems.push(
      `${id}: ${file} is in repos/${id}/ but no commit introduces it (add it to history.json or delete it)`,
    );
  }
  for (const file of history.executable ?? []) {
    if (state.introduced.has(file)) continue;
    problems.push(`${id}: executable ${file} is not introduced by any commit`);
  }
  return problems;
}

function checkCommit(commit: Partial<HistoryCommit>, number: number, state: HistoryState): string[] {
  const where = `${state.id}: commit ${number}`;
  const problems: string[] = [];
  if (typeof commit.message !== 'string' || commit.message.trim() === '') {
    problems.push(`${where}: "message" must be a non-empty string`);
  }
  const time =
    typeof commit.date === 'string' && DATE.test(commit.date) ? Date.parse(commit.date) : Number.NaN;
  if (Number.isNaN(time)) {
    problems.push(
      `${where}: "date" must be an RFC 3339 date-time such as 2025-03-03T09:00:00Z, got ${JSON.stringify(commit.date)}`,
    );
  } else if (time < state.previousTime) {
    problems.push(`${where}: "date" ${commit.date} is earlier than the commit before it`);
  } else {
    state.previousTime = time;
  }
  if (commit.tag !== undefined) {
    if (typeof commit.tag !== 'string' || !TAG.test(commit.tag) || state.tags.has(commit.tag)) {
      problems.push(
        `${where}: "tag" must be a unique tag name such as v1.0.0, got ${JSON.stringify(commit.tag)}`,
      );
    }
    state.tags.add(String(commit.tag));
  }
  if (!Array.isArray(commit.files) || commit.files.length === 0) {
    return [...problems, `${where}: "files" must be a non-empty list of paths`];
  }
  for (const file of commit.files as unknown[]) {
    if (typeof file !== 'string' || !SAFE_PATH.test(file)) {
      problems.push(`${where}: ${JSON.stringify(file)} is not a plain relative path`);
    } else if (state.introduced.has(file)) {
      problems.push(`${where}: ${file} was already introduced by commit ${state.introduced.get(file)}`);
    } else if (!state.files.has(file)) {
      problems.push(`${where}: ${file} does not exist in repos/${state.id}/`);
    } else {
      state.introduced.set(file, number);
    }
  }
  return problems;
}

/** `org/name` of every directory two levels below repos/, sorted. */
async function listSourceTrees(reposDir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const org of await readdir(reposDir, { withFileTypes: true })) {
    if (!org.isDirectory()) continue;
    for (const name of await readdir(join(reposDir, org.name), { withFileTypes: true })) {
      if (name.isDirectory()) ids.push(`${org.name}/${name.name}`);
    }
  }
  return ids.sort();
}

/** Every regular file below dir, as a '/'-separated relative path, sorted. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listFiles(dir, path)));
    else files.push(path);
  }
  return files.sort();
}

function isDirectRun(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** `node dist/quickstart/seed.js <exampleDir>`: seeds and prints `org/name  <sha>  <outcome>` per repo. */
export async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1 || argv[0] === undefined || argv[0].startsWith('-')) {
    console.error('usage: node dist/quickstart/seed.js <exampleDir>');
    return 2;
  }
  const results = await seedExampleRepos(argv[0]);
  const width = Math.max(...results.map((result) => result.id.length));
  for (const result of results) console.log(`${result.id.padEnd(width)}  ${result.head}  ${result.outcome}`);
  return 0;
}

if (isDirectRun()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
