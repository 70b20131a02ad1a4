import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { execa } from 'execa';
import { ensureMirror, repoMirrorDir } from '../../backends/git/mirror.js';
import { branchHead, gitFailure, resolveRepoUrl, runGit } from '../../backends/git/remote.js';
import type { TofuWorkspace } from '../../backends/tofu/index.js';
import { CodemonkeysError } from '../../errors.js';
import type { Product } from '../../fleet/model.js';
import { PACKAGE_ROOT } from '../../paths.js';
import { isSecretRef, resolveSecret } from '../../secrets/resolve.js';

/** Where a product's `spec.infra.module` was found. */
export type ModuleSource = 'fleet' | 'library' | 'repo';

/** A module folder ready for the runner, and how to name it to people. */
export interface ResolvedModule {
  dir: string;
  /** The spec's `module`, as diagnostics prefix the module's files with it. */
  label: string;
  source: ModuleSource;
  /** Removes the temporary copy of a module read from the product repo; nothing otherwise. */
  release(): Promise<void>;
}

/** What resolving a module and its variables needs. */
export interface ModuleContext {
  fleetDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Finds `spec.infra.module`: a folder of the fleet repo first (`modules/site`), then of the
 * codemonkeys package's library (`tofu/modules/static-site` works from any fleet), else a folder
 * of the product repo at its branch head (`infra`), read from the repo mirror into a temporary
 * folder. Throws `TofuModuleMissing` (stalled) when it is in none of them.
 */
export async function resolveModule(product: Product, context: ModuleContext): Promise<ResolvedModule> {
  const module = infraSpec(product).module;
  const none = async () => undefined;
  for (const [source, base] of [
    ['fleet', context.fleetDir],
    ['library', PACKAGE_ROOT],
  ] as const) {
    const dir = resolve(base, module);
    if (isFolder(dir)) return { dir, label: module, source, release: none };
  }
  return moduleFromRepo(product, module, context);
}

/** Resolves the module, gives it to `use`, and removes a temporary copy afterwards. */
export async function withModule<T>(
  product: Product,
  context: ModuleContext,
  use: (module: ResolvedModule) => Promise<T>,
): Promise<T> {
  const module = await resolveModule(product, context);
  try {
    return await use(module);
  } finally {
    await module.release();
  }
}

/**
 * The runner's view of the product's use of its module. Plain values of `spec.infra.vars` are
 * module variables; secret references (`{ env: NAME }`, `{ file: path }`) are resolved now,
 * registered with the redactor, and reach tofu only as `TF_VAR_<name>` in its environment.
 */
export async function infraWorkspace(
  product: Product,
  module: ResolvedModule,
  context: ModuleContext,
): Promise<TofuWorkspace> {
  const vars: Record<string, unknown> = {};
  const secretVars: Record<string, string> = {};
  for (const [name, value] of Object.entries(infraSpec(product).vars ?? {})) {
    if (isSecretRef(value))
      secretVars[name] = await resolveSecret(value, { env: context.env, baseDir: context.fleetDir });
    else vars[name] = value;
  }
  return { product: product.id, moduleDir: module.dir, moduleLabel: module.label, vars, secretVars };
}

export function infraSpec(product: Product): NonNullable<Product['manifest']['spec']['infra']> {
  const infra = product.manifest.spec.infra;
  if (!infra) throw new Error(`${product.id} has no infra block`);
  return infra;
}

/** The module folder of the product repo at its branch head, exported from the repo mirror. */
async function moduleFromRepo(
  product: Product,
  module: string,
  context: ModuleContext,
): Promise<ResolvedModule> {
  const path = posix.normalize(module.replaceAll('\\', '/')).replace(/\/+$/, '');
  if (isAbsolute(module) || path === '.' || path === '..' || path.startsWith('../')) {
    throw missing(product, module, '');
  }
  const repo = product.manifest.spec.repo;
  const url = resolveRepoUrl(repo.url, context.fleetDir);
  const head = await branchHead(url, repo.branch ?? 'main');
  const gitDir = await ensureMirror(url, repoMirrorDir(context.env), head);
  const temp = await mkdtemp(join(tmpdir(), 'codemonkeys-module-'));
  const release = () => rm(temp, { recursive: true, force: true });
  try {
    const tar = join(temp, 'module.tar');
    const args = ['archive', '--format=tar', `--output=${tar}`, head, '--', path];
    const archived = await runGit(args, { cwd: gitDir });
    if (archived.exitCode !== 0) {
      if (/did not match any files/.test(archived.stderr))
        throw missing(product, module, ` at ${head.slice(0, 12)}`);
      throw gitFailure(
        `cannot read ${path} of ${product.id}`,
        args,
        archived,
        'RepoUnreachable',
        'transient',
      );
    }
    const tree = join(temp, 'tree');
    await mkdir(tree);
    await execa('tar', ['-x', '-f', tar, '-C', tree]);
    const dir = join(tree, path);
    if (!isFolder(dir)) throw missing(product, module, ` at ${head.slice(0, 12)}`);
    return { dir, label: module, source: 'repo', release };
  } catch (error) {
    await release();
    throw error;
  }
}

function missing(product: Product, module: string, repoAt: string): CodemonkeysError {
  const where = `a folder of the fleet repo, of the codemonkeys library or of the product repo${repoAt}`;
  return new CodemonkeysError(`${product.id}: tofu module ${module} is not ${where}`, {
    reason: 'TofuModuleMissing',
    next: 'stalled',
  });
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
