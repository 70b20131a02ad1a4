import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts'))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * The detached build worker and the CLI run compiled JavaScript: compile dist/ when it is missing
 * or older than a source file (npm test's pretest builds it; this covers running vitest alone).
 */
export async function ensureBuilt(): Promise<void> {
  const marker = join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(marker) && statSync(marker).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
}
