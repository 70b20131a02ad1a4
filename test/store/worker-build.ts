import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The sources the compiled store is built from, outside src/store. */
const STORE_DEPENDENCIES = [
  'src/actions/canonical.ts',
  'src/actions/action.ts',
  'src/log/redact.ts',
  'src/errors.ts',
];

/**
 * Compiles the project into dist/ when the store's compiled files are missing or older than their
 * sources: child processes import dist/store/sqlite.js. `npm test` has built already; a lone
 * `vitest run` may not have. Type errors elsewhere do not stop tsc from emitting.
 */
export async function buildStoreIfStale(): Promise<void> {
  const sources = [
    ...readdirSync(`${ROOT}src/store`)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `src/store/${name}`),
    ...STORE_DEPENDENCIES,
  ];
  const stale = sources.some((source) => {
    const compiled = `${ROOT}dist/${source.slice('src/'.length).replace(/\.ts$/, '.js')}`;
    return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(`${ROOT}${source}`).mtimeMs;
  });
  if (!stale) return;
  const build = await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, reject: false });
  if (!existsSync(`${ROOT}dist/store/sqlite.js`)) {
    throw new Error(`building dist/ failed:\n${build.stdout}\n${build.stderr}`);
  }
}

export { mulberry32 } from '../helpers/random.js';
