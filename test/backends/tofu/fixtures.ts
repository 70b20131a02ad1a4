import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { defaultProviderMirror } from '../../../src/backends/tofu/cli-config.js';
import { TofuRunner, type TofuRunnerOptions } from '../../../src/backends/tofu/runner.js';
import { openTofuPlanStore, type SqliteTofuPlanStore } from '../../../src/store/tofu-plans.js';
import { tempDir } from '../../helpers/git.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MODULES = join(ROOT, 'tofu', 'modules');
/** Small modules the tests run, each showing one behaviour (see the comment at the top of each). */
export const TEST_MODULES = join(ROOT, 'test', 'backends', 'tofu', 'modules');

/**
 * The provider mirror scripts/setup.sh builds (hashicorp/local); the tests need it, as they need
 * tofu itself, and say how to get it rather than skip.
 */
export function requireMirror(): string {
  const mirror = defaultProviderMirror(process.env);
  if (!mirror)
    throw new Error('no tofu provider mirror: run scripts/setup.sh tofu (it builds hashicorp/local)');
  return mirror;
}

/** One test file's scratch: a folder, a state file with its plan store, one plugin cache for every runner. */
export interface TofuScratch {
  dir: string;
  plans: SqliteTofuPlanStore;
  pluginCache: string;
  runner(overrides?: Partial<TofuRunnerOptions>): TofuRunner;
  /** A module folder at `<dir>/modules/<name>`: written from `files` (name → text), else copied from TEST_MODULES. */
  module(name: string, files?: Record<string, string>): string;
  cleanup(): void;
}

export function tofuScratch(prefix: string): TofuScratch {
  const temp = tempDir(prefix);
  const plans = openTofuPlanStore(join(temp.dir, 'state', 'state.db'));
  const pluginCache = join(temp.dir, 'plugin-cache');
  const mirror = requireMirror();
  let runners = 0;
  return {
    dir: temp.dir,
    plans,
    pluginCache,
    runner(overrides = {}) {
      runners += 1;
      return new TofuRunner({
        dir: join(temp.dir, `runner-${runners}`),
        plans,
        env: { PATH: process.env.PATH, HOME: temp.dir },
        pluginCacheDir: pluginCache,
        providerMirror: mirror,
        ...overrides,
      });
    },
    module(name, files) {
      const dir = join(temp.dir, 'modules', name);
      if (!files) {
        cpSync(join(TEST_MODULES, name), dir, { recursive: true });
        return dir;
      }
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      return dir;
    },
    cleanup() {
      plans.close();
      temp.cleanup();
    },
  };
}

/** The entries of a zip file (a tofu plan file is one), read through its central directory. */
export function zipEntries(zip: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let index = 0; index < count; index += 1) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Text of `main.tf` for a module of `terraform_data` resources named by `names`, each holding `input`. */
export function dataModule(names: string[], extra = ''): Record<string, string> {
  const resources = names.map((name) => `resource "terraform_data" "${name}" {\n  input = "${name}"\n}\n`);
  return { 'main.tf': `${resources.join('\n')}${extra}` };
}
