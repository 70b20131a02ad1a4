import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { toolsDir } from '../tools.js';

/**
 * What goes into the CLI configuration codemonkeys writes for tofu. Never the user's own
 * `~/.terraformrc` or `TF_CLI_CONFIG_FILE`: runs must not depend on a developer's settings, and
 * a `TF_CLI_CONFIG_FILE` naming a missing file makes tofu print warnings into every output.
 */
export interface CliConfigSettings {
  /** One provider cache shared by every product's working directory. */
  pluginCacheDir: string;
  /** A filesystem mirror (`<host>/<namespace>/<type>/<version>/<os_arch>/`); null when there is none. */
  mirrorDir: string | null;
}

/** `<host>/<namespace>/<type>` of every provider a filesystem mirror holds, sorted. */
export async function mirroredProviders(mirrorDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const host of await subdirectories(mirrorDir)) {
    for (const namespace of await subdirectories(join(mirrorDir, host))) {
      for (const type of await subdirectories(join(mirrorDir, host, namespace))) {
        found.push(`${host}/${namespace}/${type}`);
      }
    }
  }
  return found.sort();
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

/**
 * The CLI configuration text. Mirrored providers come only from the mirror and every other one
 * directly from its registry: without the `exclude`, tofu would also ask the registry for the
 * mirrored ones, and fail where there is no network.
 * (https://opentofu.org/docs/cli/config/config-file/#provider-installation)
 */
export function renderCliConfig(
  pluginCacheDir: string,
  mirror: { dir: string; providers: string[] } | null,
): string {
  const lines = [
    '# Written by codemonkeys for the tofu runs of the infra facet; rewritten when it changes.',
    `plugin_cache_dir = ${hclString(pluginCacheDir)}`,
    'disable_checkpoint = true',
  ];
  if (mirror && mirror.providers.length > 0) {
    const list = `[${mirror.providers.map(hclString).join(', ')}]`;
    lines.push(
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${hclString(mirror.dir)}`,
      `    include = ${list}`,
      '  }',
      '  direct {',
      `    exclude = ${list}`,
      '  }',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Writes the CLI configuration at `path` (atomically, only when its text changes) and creates the cache. */
export async function writeCliConfig(path: string, settings: CliConfigSettings): Promise<void> {
  await mkdir(settings.pluginCacheDir, { recursive: true });
  const providers = settings.mirrorDir ? await mirroredProviders(settings.mirrorDir) : [];
  const mirror = settings.mirrorDir ? { dir: settings.mirrorDir, providers } : null;
  const text = renderCliConfig(settings.pluginCacheDir, mirror);
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) return;
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/**
 * The provider mirror scripts/setup.sh builds: `$CODEMONKEYS_TOFU_PROVIDER_MIRROR`, else
 * `<tools dir>/tofu-providers`; null when that folder does not exist.
 */
export function defaultProviderMirror(env: NodeJS.ProcessEnv): string | null {
  const configured = env.CODEMONKEYS_TOFU_PROVIDER_MIRROR;
  const dir = configured ? resolve(configured) : join(toolsDir(env), 'tofu-providers');
  return existsSync(dir) ? dir : null;
}

/** A string literal of the CLI configuration's HCL 1 syntax, which has no templates to escape. */
function hclString(value: string): string {
  return JSON.stringify(value);
}
