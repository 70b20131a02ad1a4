import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { mirroredProviders } from '../../../src/backends/tofu/cli-config.js';
import { parseUiStream, streamDiagnostics } from '../../../src/backends/tofu/diagnostics.js';
import { MODULES, requireMirror, TEST_MODULES, tofuScratch } from './fixtures.js';

const scratch = tofuScratch('cm-tofu-modules-');
afterAll(() => scratch.cleanup());

const modules = readdirSync(MODULES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** `<namespace>/<type>` of every provider a module requires, from `source = "…"` in its files. */
function requiredProviders(name: string): string[] {
  const text = readdirSync(join(MODULES, name))
    .filter((file) => file.endsWith('.tf'))
    .map((file) => readFileSync(join(MODULES, name, file), 'utf8'))
    .join('\n');
  return [...text.matchAll(/source\s*=\s*"([^"]+)"/g)].map((match) => match[1] ?? '');
}

function variables(name: string): string[] {
  const text = readFileSync(join(MODULES, name, 'variables.tf'), 'utf8');
  return [...text.matchAll(/^variable "([^"]+)"/gm)].map((match) => match[1] ?? '');
}

const mirrored = (await mirroredProviders(requireMirror())).map((address) =>
  address.split('/').slice(1).join('/'),
);
const offline = modules.filter((name) =>
  requiredProviders(name).every((source) => mirrored.includes(source)),
);
const online = modules.filter((name) => !offline.includes(name));

describe('tofu/modules', () => {
  it('has a module that runs offline, static-site, and modules for real clouds', () => {
    expect(offline).toContain('static-site');
    expect(online).toEqual(expect.arrayContaining(['aws-static-site', 'gcp-static-site']));
  });

  it('is formatted as tofu fmt formats it, and so are the test modules that parse', async () => {
    const testModules = readdirSync(TEST_MODULES)
      .filter((name) => name !== 'broken')
      .map((name) => join(TEST_MODULES, name));
    const result = await execa('tofu', ['fmt', '-check', '-recursive', MODULES, ...testModules], {
      env: { TF_CLI_CONFIG_FILE: '/dev/null' },
      reject: false,
    });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it.each(modules)(
    '%s documents every variable in its README, and each variable has a description',
    (name) => {
      const readme = readFileSync(join(MODULES, name, 'README.md'), 'utf8');
      const text = readFileSync(join(MODULES, name, 'variables.tf'), 'utf8');
      const names = variables(name);
      expect(names.length).toBeGreaterThan(0);
      for (const variable of names) expect(readme, variable).toContain(`\`${variable}\``);
      expect(text.match(/^\s+description\s*=/gm)?.length).toBe(names.length);
    },
  );

  it.each(offline)('%s passes tofu validate with its providers from the mirror', async (name) => {
    const runner = scratch.runner();
    const result = await runner.validate({ product: `modules/${name}`, moduleDir: join(MODULES, name) });
    expect(result).toEqual({ valid: true, diagnostics: [] });
  });

  it.each(online)('%s parses: tofu init fails only for want of its providers', async (name) => {
    // A mirror that is empty: tofu reads the configuration, then finds no provider and asks no registry.
    const mirror = join(scratch.dir, 'empty-mirror');
    mkdirSync(mirror, { recursive: true });
    const config = join(scratch.dir, 'mirror-only.tfrc');
    writeFileSync(config, `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`);
    const work = join(scratch.dir, 'parse', name);
    mkdirSync(work, { recursive: true });
    for (const file of readdirSync(join(MODULES, name))) {
      writeFileSync(join(work, file), readFileSync(join(MODULES, name, file)));
    }
    const result = await execa('tofu', ['init', '-backend=false', '-input=false', '-json'], {
      cwd: work,
      env: { TF_CLI_CONFIG_FILE: config, TF_IN_AUTOMATION: '1' },
      reject: false,
    });
    const errors = streamDiagnostics(parseUiStream(result.stdout)).filter(
      (item) => item.severity === 'error',
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.summary).toBe('Failed to query available provider packages');
      expect(error.range).toBeUndefined();
    }
  });
});
