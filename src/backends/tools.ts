import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/**
 * Where the programs the backends drive (tofu, ansible-playbook, chromium) are found on this
 * machine, as scripts/setup.sh leaves them. `codemonkeys doctor` checks the same places.
 */

/** The OpenTofu release scripts/setup.sh builds unless CODEMONKEYS_TOFU_VERSION says otherwise. */
export const DEFAULT_TOFU_VERSION = 'v1.12.6';

/** Where Debian's chromium package puts its launcher; CODEMONKEYS_CHROMIUM overrides it. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Finds the OpenTofu executable as scripts/setup.sh leaves it: `tofu` on PATH first, then the
 * cache it builds into, `${CODEMONKEYS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codemonkeys/tools}/tofu-<version>/tofu`.
 * Resolves to an absolute path, or undefined when neither exists.
 */
export async function findTofu(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const onPath = await findOnPath('tofu', env);
  if (onPath) return onPath;
  const cached = tofuCachePath(env);
  return (await isExecutableFile(cached)) ? cached : undefined;
}

/** Where scripts/setup.sh caches the tofu it builds, whether or not it is there. */
export function tofuCachePath(env: NodeJS.ProcessEnv): string {
  return resolve(toolsDir(env), `tofu-${tofuVersion(env)}`, 'tofu');
}

/** Where scripts/setup.sh caches the tools it builds: `${CODEMONKEYS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/codemonkeys/tools}`. */
export function toolsDir(env: NodeJS.ProcessEnv): string {
  const cacheHome = nonEmpty(env.XDG_CACHE_HOME) ?? join(nonEmpty(env.HOME) ?? homedir(), '.cache');
  return resolve(nonEmpty(env.CODEMONKEYS_TOOLS_DIR) ?? join(cacheHome, 'codemonkeys', 'tools'));
}

/** Finds Chromium: CODEMONKEYS_CHROMIUM when set, else /usr/bin/chromium; undefined when not executable. */
export async function findChromium(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidate = resolve(nonEmpty(env.CODEMONKEYS_CHROMIUM) ?? DEFAULT_CHROMIUM);
  return (await isExecutableFile(candidate)) ? candidate : undefined;
}

/** Looks a command up on env.PATH as a shell would; resolves to its absolute path or undefined. */
export async function findOnPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = resolve(dir, command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

export function tofuVersion(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.CODEMONKEYS_TOFU_VERSION) ?? DEFAULT_TOFU_VERSION;
}

export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Like the shell's `${VAR:-…}`: an empty value counts as unset. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
