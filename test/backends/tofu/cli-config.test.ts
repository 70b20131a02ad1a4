import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mirroredProviders, renderCliConfig, writeCliConfig } from '../../../src/backends/tofu/cli-config.js';
import { tempDir } from '../../helpers/git.js';

const temp = tempDir('cm-tofu-cli-');
afterAll(() => temp.cleanup());

describe('the CLI configuration codemonkeys writes for tofu', () => {
  it('takes mirrored providers only from the mirror and every other one from its registry', () => {
    const text = renderCliConfig('/cache', {
      dir: '/mirror',
      providers: ['registry.opentofu.org/hashicorp/local'],
    });
    expect(text).toContain('plugin_cache_dir = "/cache"');
    expect(text).toMatch(
      /filesystem_mirror \{\n\s+path\s+= "\/mirror"\n\s+include = \["registry.opentofu.org\/hashicorp\/local"\]/,
    );
    expect(text).toMatch(/direct \{\n\s+exclude = \["registry.opentofu.org\/hashicorp\/local"\]/);
  });

  it('leaves provider installation to tofu when there is no mirror', () => {
    expect(renderCliConfig('/cache', null)).not.toContain('provider_installation');
  });

  it('lists the providers of a mirror by host, namespace and type', async () => {
    const mirror = join(temp.dir, 'mirror');
    mkdirSync(join(mirror, 'registry.opentofu.org/hashicorp/local/2.9.0/linux_amd64'), { recursive: true });
    mkdirSync(join(mirror, 'example.com/acme/thing/1.0.0/linux_amd64'), { recursive: true });
    expect(await mirroredProviders(mirror)).toEqual([
      'example.com/acme/thing',
      'registry.opentofu.org/hashicorp/local',
    ]);
    expect(await mirroredProviders(join(temp.dir, 'none'))).toEqual([]);
  });

  it('rewrites the file only when its text changes', async () => {
    const path = join(temp.dir, 'cli.tfrc');
    const settings = { pluginCacheDir: join(temp.dir, 'cache'), mirrorDir: null };
    await writeCliConfig(path, settings);
    const first = statSync(path).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeCliConfig(path, settings);
    expect(statSync(path).mtimeMs).toBe(first);
    expect(statSync(settings.pluginCacheDir).isDirectory()).toBe(true);
    await writeCliConfig(path, { ...settings, pluginCacheDir: join(temp.dir, 'cache2') });
    expect(readFileSync(path, 'utf8')).toContain('cache2');
  });
});
