import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { CodemonkeysError } from '../../errors.js';

/**
 * The files of one product's tofu working directory, `<root>/workspaces/<org>/<name>/`: a copy of
 * the module (tofu runs in it), tofu's own `.terraform/`, lock file and — when the module
 * declares no backend — the local state `terraform.tfstate`; and `.codemonkeys/`, which tofu
 * never reads as configuration (it loads `*.tf` of the folder itself only).
 */
export interface WorkspacePaths {
  dir: string;
  /** Our bookkeeping: the copied files, the variables file, plan files in transit. */
  meta: string;
  /** The module files copied last time, with their hashes. */
  manifest: string;
  /** Non-secret variables, passed with `-var-file` to plan. */
  varsFile: string;
  /** Where plan files are while tofu writes or reads them. */
  plans: string;
}

/** The working directory of a product under `root` (validated: an id cannot point elsewhere). */
export function workspacePaths(root: string, product: string): WorkspacePaths {
  const parts = product.split('/');
  const valid = parts.length === 2 && parts.every((part) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(part));
  if (!valid) {
    throw new CodemonkeysError(`product id '${product}' is not of the form org/name`, {
      reason: 'InvalidProduct',
      next: 'stalled',
    });
  }
  const dir = join(root, 'workspaces', ...parts);
  const meta = join(dir, '.codemonkeys');
  return {
    dir,
    meta,
    manifest: join(meta, 'module-files.json'),
    varsFile: join(meta, 'vars.tfvars.json'),
    plans: join(meta, 'plans'),
  };
}

/** Names never copied from a module: tofu's working data, state, VCS folders, our own folder. */
const SKIPPED_DIRS = new Set(['.terraform', '.git', '.codemonkeys']);
const SKIPPED_FILE = /^(terraform\.tfstate(\..*)?|\.terraform\.tfstate\.lock\.info|.*\.tfplan)$/;

/**
 * Makes the working directory's copy of the module equal to `moduleDir`: copies new and changed
 * files, removes the ones copied before that the module no longer has, and leaves tofu's own files
 * alone. A copy, not `-chdir` into the module, so that `.terraform/`, the lock file and local
 * state never land in the fleet repo, and a plan is made from a snapshot that cannot change
 * under it. Resolves whether anything changed.
 */
export async function syncModule(
  moduleDir: string,
  paths: WorkspacePaths,
  moduleLabel: string,
): Promise<boolean> {
  const source = await listModule(moduleDir, moduleLabel);
  const previous = await readManifest(paths.manifest);
  let changed = false;
  for (const [file, hash] of source) {
    const target = join(paths.dir, file);
    if (previous.get(file) === hash && (await isFile(target))) continue;
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(moduleDir, file), target);
    changed = true;
  }
  for (const file of previous.keys()) {
    if (source.has(file)) continue;
    await rm(join(paths.dir, file), { force: true });
    changed = true;
  }
  if (changed || previous.size === 0) {
    await mkdir(paths.meta, { recursive: true });
    await writeFile(paths.manifest, `${JSON.stringify(Object.fromEntries(source), null, 2)}\n`);
  }
  return changed;
}

/** Writes the non-secret variables for `-var-file`; tofu reads `.tfvars.json` as plain JSON. */
export async function writeVarsFile(paths: WorkspacePaths, vars: Record<string, unknown>): Promise<void> {
  await mkdir(paths.meta, { recursive: true });
  await writeFile(paths.varsFile, varsText(vars));
}

/**
 * Whether the working directory is as a run with this module and these variables leaves it:
 * initialised, holding exactly the module's files, with the same variables file. Reads only.
 */
export async function isCurrent(
  moduleDir: string,
  paths: WorkspacePaths,
  moduleLabel: string,
  vars: Record<string, unknown>,
): Promise<boolean> {
  if (!(await isDirectory(join(paths.dir, '.terraform')))) return false;
  const vared = await readFile(paths.varsFile, 'utf8').catch(() => undefined);
  if (vared !== varsText(vars)) return false;
  const [source, copied] = [await listModule(moduleDir, moduleLabel), await readManifest(paths.manifest)];
  if (source.size !== copied.size) return false;
  for (const [file, hash] of source) if (copied.get(file) !== hash) return false;
  return true;
}

function varsText(vars: Record<string, unknown>): string {
  return `${JSON.stringify(vars, null, 2)}\n`;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/** Every file of the module, relative path (with `/`) → sha256 of its content. */
async function listModule(moduleDir: string, moduleLabel: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const isDir = await stat(moduleDir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new CodemonkeysError(`tofu module ${moduleLabel} is not a folder (looked at ${moduleDir})`, {
      reason: 'TofuModuleMissing',
      next: 'stalled',
    });
  }
  await walk(moduleDir, moduleDir, found);
  if (![...found.keys()].some((file) => /^[^/]+\.tf(\.json)?$/.test(file))) {
    throw new CodemonkeysError(`tofu module ${moduleLabel} has no .tf files (looked at ${moduleDir})`, {
      reason: 'TofuModuleMissing',
      next: 'stalled',
    });
  }
  return new Map([...found.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function walk(root: string, dir: string, found: Map<string, string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    // Symbolic links are followed: a module may link a shared file in.
    const info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
    if (!info) continue;
    if (info.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(root, full, found);
      continue;
    }
    if (!info.isFile() || SKIPPED_FILE.test(entry.name)) continue;
    const content = await readFile(full);
    found.set(relative(root, full).split(sep).join('/'), createHash('sha256').update(content).digest('hex'));
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

async function readManifest(path: string): Promise<Map<string, string>> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof value !== 'object' || value === null) return new Map();
    return new Map(
      Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  } catch {
    return new Map();
  }
}
