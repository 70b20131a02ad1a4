import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * The layers of src/, top to bottom (shared/DESIGN.md, "Layout"): a module imports only from its
 * own layer's folder or from the layers below it, never from a layer above.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'server', 'quickstart', 'init', 'doctor'],
  ['engine'],
  ['facets'],
  ['constitution', 'oracle', 'swarm'],
  ['backends'],
  ['fleet'],
  ['secrets'],
  ['store'],
  ['log'],
  ['actions'],
  ['util', 'errors.ts', 'paths.ts'],
];

function layerOf(path: string): number {
  const top = path.split('/')[0] as string;
  const index = LAYERS.findIndex((layer) => layer.includes(top));
  if (index < 0) throw new Error(`src/${path} is in no layer: add its folder to LAYERS`);
  return index;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every `src/a → src/b` import that climbs a layer, as `a.ts → b.ts`. */
function upwardImports(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
      const to = relative(SRC, resolve(dirname(file), match[1] as string)).replace(/\.js$/, '.ts');
      if (to.startsWith('..')) continue;
      if (layerOf(to) < layerOf(from)) found.push(`${from} → ${to}`);
    }
  }
  return found;
}

describe('the layers of src/', () => {
  it('no module imports from a layer above its own (engine over facets over backends over store …)', () => {
    expect(upwardImports()).toEqual([]);
  });

  it('the engine imports no backend: it reaches git, CI, tofu and ansible through facets and services', () => {
    const engine = sourceFiles(join(SRC, 'engine')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)]
        .map((match) => relative(SRC, resolve(dirname(file), match[1] as string)))
        .filter((to) => to.startsWith('backends/'))
        .map((to) => `${relative(SRC, file)} → ${to}`),
    );
    expect(engine).toEqual([]);
  });
});
