import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { branchHeads } from '../../../src/backends/git/remote.js';
import { ensureBuilt } from '../../helpers/build.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/git.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});
beforeAll(() => ensureBuilt(), 120_000);

/** A folder, and a git config there that allows the ext protocol, as a careless host's might. */
function hostAllowingExt(): { dir: string; marker: string; env: Record<string, string> } {
  const { dir, cleanup } = tempDir('cm-ext-');
  cleanups.push(cleanup);
  const config = join(dir, 'gitconfig');
  writeFileSync(config, '[protocol "ext"]\n\tallow = always\n');
  const marker = join(dir, 'ran');
  return {
    dir,
    marker,
    env: { GIT_CONFIG_GLOBAL: config, GIT_ALLOW_PROTOCOL: 'ext:file:https', PATH: process.env.PATH ?? '' },
  };
}

/** An ext:: URL whose command would create `marker` (git reads '% ' as a space inside an argument). */
const extUrl = (marker: string) => `ext::sh -c touch% ${marker}`;

describe('git never runs a command named in a URL', () => {
  it('the host allows ext (config and environment), yet reading a product repo does not run it', async () => {
    const host = hostAllowingExt();
    const saved = { ...process.env };
    Object.assign(process.env, host.env);
    try {
      await expect(branchHeads(extUrl(host.marker), ['main'])).rejects.toMatchObject({
        reason: 'RepoUnreachable',
      });
    } finally {
      process.env = saved;
    }
    expect(existsSync(host.marker)).toBe(false);
  });

  it('nor does `--fleet` given an ext:: URL', async () => {
    const host = hostAllowingExt();
    const run = await runCli(['--fleet', extUrl(host.marker), 'validate'], { cwd: host.dir, env: host.env });
    expect(run.exitCode).not.toBe(0);
    expect(existsSync(host.marker)).toBe(false);
  });

  it('validate refuses such a repo.url at its line, before anything reads it', async () => {
    const host = hostAllowingExt();
    const fleet = join(host.dir, 'fleet');
    const init = await runCli(['init', fleet, '--org', 'acme', '--product', 'widget', '--no-git'], {
      cwd: host.dir,
      env: host.env,
    });
    expect(init.exitCode).toBe(0);
    const product = join(fleet, 'products/acme/widget.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(
      product,
      readFileSync(product, 'utf8').replace(/url: .*$/m, `url: "${extUrl(host.marker)}"`),
    );
    const validate = await runCli(['--fleet', fleet, 'validate'], { cwd: host.dir, env: host.env });
    expect(validate.exitCode).toBe(1);
    expect(validate.stdout + validate.stderr).toMatch(
      /products\/acme\/widget\.yaml:11:\d+: error: spec\.repo\.url uses git's transport helper 'ext::', which can run a command: refused \[unsafe-repo-url\]/,
    );
    const plan = await runCli(['--fleet', fleet, 'plan'], { cwd: host.dir, env: host.env });
    expect(plan.exitCode).not.toBe(0);
    expect(existsSync(host.marker)).toBe(false);
  });
});
