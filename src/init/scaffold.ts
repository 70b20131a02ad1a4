import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { UsageError } from '../errors.js';
import { SCHEMA_DIR, SCHEMA_FILES } from '../fleet/schemas.js';
import { gitEnv, SIMPLE_GIT_OPTIONS } from '../util/git-env.js';
import {
  CONSTITUTION_TEMPLATE,
  FLEET_TEMPLATE,
  fillTemplate,
  GITIGNORE_TEMPLATE,
  PRODUCT_TEMPLATE,
  README_TEMPLATE,
} from './templates.js';

export interface ScaffoldOptions {
  dir: string;
  org?: string;
  product?: string;
  approver?: string;
  repoUrl?: string;
  /** Initialise a git repository with a first commit (default true). */
  git?: boolean;
}

export interface ScaffoldResult {
  dir: string;
  files: string[];
  commit: string | null;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Writes a new, valid fleet repo: fleet, commented constitution, one product, schemas; commits it. */
export async function scaffoldFleet(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const dir = resolve(options.dir);
  if (existsSync(dir) && (await readdir(dir)).some((entry) => entry !== '.git')) {
    throw new UsageError(
      `${options.dir} is not empty: init writes a new fleet repo into an empty or new directory`,
    );
  }
  const org = checkName('--org', options.org ?? 'my-org');
  const product = checkName('--product', options.product ?? 'hello');
  const fleet = toName(basename(dir)) || 'my-fleet';
  const values = {
    fleet,
    org,
    product,
    approver: options.approver ?? 'alice',
    repoUrl: JSON.stringify(options.repoUrl ?? `../${product}.git`),
  };
  const productFile = `products/${org}/${product}.yaml`;
  const files: Record<string, string> = {
    'fleet.yaml': FLEET_TEMPLATE,
    'constitution.yaml': CONSTITUTION_TEMPLATE,
    [productFile]: PRODUCT_TEMPLATE,
    '.gitignore': GITIGNORE_TEMPLATE,
    'README.md': README_TEMPLATE,
  };
  for (const [file, template] of Object.entries(files)) {
    const schema = posix.relative(posix.dirname(file), 'schemas') || '.';
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), fillTemplate(template, { ...values, schema }));
  }
  await mkdir(join(dir, 'schemas'), { recursive: true });
  const schemaFiles = Object.values(SCHEMA_FILES).map((file) => `schemas/${file}`);
  for (const file of Object.values(SCHEMA_FILES)) {
    await copyFile(fileURLToPath(new URL(file, SCHEMA_DIR)), join(dir, 'schemas', file));
  }
  const written = [...Object.keys(files), ...schemaFiles].sort();
  const commit = options.git === false ? null : await commitAll(dir);
  return { dir, files: written, commit };
}

async function commitAll(dir: string): Promise<string> {
  const inDir = () => simpleGit({ ...SIMPLE_GIT_OPTIONS, baseDir: dir }).env(gitEnv());
  if (!existsSync(join(dir, '.git'))) await inDir().init(['--initial-branch=main']);
  // A first commit must not depend on the user having configured git; their own identity wins when set.
  const identity = await inDir()
    .raw(['config', '--get', 'user.email'])
    .catch(() => '');
  const config = identity.trim() === '' ? ['user.name=codemonkeys', 'user.email=codemonkeys@localhost'] : [];
  const git = simpleGit({ ...SIMPLE_GIT_OPTIONS, baseDir: dir, config }).env(gitEnv());
  await git.add('.');
  await git.commit('Start the fleet repo with codemonkeys init', undefined, { '--no-gpg-sign': null });
  return (await git.revparse(['HEAD'])).trim();
}

function checkName(option: string, value: string): string {
  if (!NAME.test(value)) {
    throw new UsageError(
      `${option} '${value}' is not a valid name: expected lowercase letters, digits and '-', at most 63`,
    );
  }
  return value;
}

function toName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}
