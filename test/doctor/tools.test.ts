import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTofu, tofuCachePath } from '../../src/backends/tools.js';
import { checkTool, checkTools, parseVersion, TOOL_NAMES } from '../../src/doctor/tools.js';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'codemonkeys-doctor-tools-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Writes a tiny executable shell script, as a stand-in for a real tool. */
async function fakeTool(dir: string, name: string, body: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('parseVersion', () => {
  it.each([
    ['git', 'git version 2.39.5', '2.39.5'],
    ['ansible-playbook', 'ansible-playbook [core 2.14.18]\n  config file = None', '2.14.18'],
    ['tofu', 'OpenTofu v1.12.6\non linux_amd64', '1.12.6'],
    ['chromium', 'Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)', '156.0.8078.108'],
    ['mkdocs', 'mkdocs, version 1.4.2 from /usr/lib/python3/dist-packages/mkdocs (Python 3.11)', '1.4.2'],
    ['node', 'v20.20.2', '20.20.2'],
    ['go', 'go version go1.26.8 linux/amd64', '1.26.8'],
    ['a pre-release', 'OpenTofu v1.13.0-beta1', '1.13.0-beta1'],
  ])('reads the version from what %s prints', (_tool, output, expected) => {
    expect(parseVersion(output)).toBe(expected);
  });

  it('gives null when the output holds no version', () => {
    expect(parseVersion('usage: tool [options]')).toBeNull();
  });
});

describe('checkTool', () => {
  it('finds git on PATH with its absolute path and version, and marks it required', async () => {
    const git = await checkTool('git', { env: { PATH: process.env.PATH } });
    expect(git).toMatchObject({ name: 'git', status: 'ok', required: true, detail: null, hint: null });
    expect(git.path).toMatch(/^\/.*\/git$/);
    expect(git.version).toMatch(/^\d+\.\d+/);
  });

  it('reports a tool missing from PATH with how to install it', async () => {
    const ansible = await checkTool('ansible-playbook', { env: { PATH: '/nonexistent' } });
    expect(ansible).toMatchObject({ status: 'missing', required: false, path: null, version: null });
    expect(ansible.hint).toContain('apt-get install ansible-core');
    expect(ansible.hint).toContain('scripts/setup.sh');
    expect(ansible.neededFor).toContain('deploy');
  });

  it('parses chromium from stdout only, ignoring the launcher noise on stderr', async () => {
    const chromium = await fakeTool(
      join(scratch, 'chromium-noisy'),
      'chromium',
      'echo "/usr/bin/chromium: 9: [: 25325268992: unexpected operator" >&2\necho "Chromium 156.0.8078.108 built on Debian"',
    );
    const check = await checkTool('chromium', {
      env: { PATH: '/nonexistent', CODEMONKEYS_CHROMIUM: chromium },
    });
    expect(check).toMatchObject({ status: 'ok', path: chromium, version: '156.0.8078.108' });
  });

  it('says CODEMONKEYS_CHROMIUM is wrong when it names no executable', async () => {
    const missing = join(scratch, 'no-such-chromium');
    const check = await checkTool('chromium', {
      env: { PATH: '/nonexistent', CODEMONKEYS_CHROMIUM: missing },
    });
    expect(check.status).toBe('missing');
    expect(check.hint).toContain(`CODEMONKEYS_CHROMIUM=${missing}`);
  });

  it('runs `tofu version`, not `tofu --version`', async () => {
    const bin = join(scratch, 'tofu-version-bin');
    await fakeTool(
      bin,
      'tofu',
      '[ "$1" = version ] || { echo "unknown flag $1" >&2; exit 1; }\necho "OpenTofu v1.12.6"',
    );
    const check = await checkTool('tofu', { env: { PATH: bin, HOME: scratch } });
    expect(check).toMatchObject({ status: 'ok', path: join(bin, 'tofu'), version: '1.12.6' });
  });

  it('runs `go version`, since go has no --version flag', async () => {
    const bin = join(scratch, 'go-bin');
    await fakeTool(bin, 'go', '[ "$1" = version ] || exit 2\necho "go version go1.26.8 linux/amd64"');
    const check = await checkTool('go', { env: { PATH: bin } });
    expect(check).toMatchObject({ status: 'ok', version: '1.26.8' });
  });

  it('reports a tool whose version command fails as broken, with exit code and stderr', async () => {
    const bin = join(scratch, 'broken-bin');
    await fakeTool(bin, 'mkdocs', 'echo "ModuleNotFoundError: No module named mkdocs" >&2\nexit 3');
    const check = await checkTool('mkdocs', { env: { PATH: bin } });
    expect(check.status).toBe('broken');
    expect(check.detail).toContain('exited with code 3');
    expect(check.detail).toContain('No module named mkdocs');
    expect(check.hint).toContain('apt-get install mkdocs');
  });

  it('gives up on a version command that hangs, after the timeout', async () => {
    const bin = join(scratch, 'hanging-bin');
    await fakeTool(bin, 'mkdocs', 'exec sleep 30');
    const started = Date.now();
    const check = await checkTool('mkdocs', { env: { PATH: `${bin}:/usr/bin:/bin` }, timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(check.status).toBe('broken');
    expect(check.detail).toContain('timed out');
  });
});

describe('findTofu', () => {
  it('prefers tofu on PATH over the setup.sh cache', async () => {
    const bin = join(scratch, 'tofu-path-bin');
    const onPath = await fakeTool(bin, 'tofu', 'echo "OpenTofu v1.12.6"');
    const toolsDir = join(scratch, 'tools-both');
    await fakeTool(join(toolsDir, 'tofu-v1.12.6'), 'tofu', 'echo cached');
    expect(await findTofu({ PATH: bin, CODEMONKEYS_TOOLS_DIR: toolsDir })).toBe(onPath);
  });

  it('falls back to the setup.sh cache under CODEMONKEYS_TOOLS_DIR', async () => {
    const toolsDir = join(scratch, 'tools-dir');
    const cached = await fakeTool(join(toolsDir, 'tofu-v1.12.6'), 'tofu', 'echo cached');
    expect(await findTofu({ PATH: '/nonexistent', CODEMONKEYS_TOOLS_DIR: toolsDir })).toBe(cached);
  });

  it('looks under $XDG_CACHE_HOME, then $HOME/.cache, as setup.sh builds it', async () => {
    const xdg = join(scratch, 'xdg');
    const home = join(scratch, 'home');
    const inXdg = await fakeTool(join(xdg, 'codemonkeys/tools/tofu-v1.12.6'), 'tofu', 'echo xdg');
    const inHome = await fakeTool(join(home, '.cache/codemonkeys/tools/tofu-v1.12.6'), 'tofu', 'echo home');
    expect(await findTofu({ PATH: '/nonexistent', XDG_CACHE_HOME: xdg, HOME: home })).toBe(inXdg);
    expect(await findTofu({ PATH: '/nonexistent', XDG_CACHE_HOME: '', HOME: home })).toBe(inHome);
  });

  it('honours CODEMONKEYS_TOFU_VERSION like setup.sh does', () => {
    const env = { CODEMONKEYS_TOOLS_DIR: '/opt/tools', CODEMONKEYS_TOFU_VERSION: 'v1.13.0' };
    expect(tofuCachePath(env)).toBe('/opt/tools/tofu-v1.13.0/tofu');
  });

  it('finds nothing when tofu is neither on PATH nor cached, and the hint says where setup.sh puts it', async () => {
    const env = { PATH: '/nonexistent', CODEMONKEYS_TOOLS_DIR: join(scratch, 'empty-tools') };
    expect(await findTofu(env)).toBeUndefined();
    const check = await checkTool('tofu', { env });
    expect(check.status).toBe('missing');
    expect(check.hint).toContain('scripts/setup.sh');
    expect(check.hint).toContain(join(scratch, 'empty-tools', 'tofu-v1.12.6', 'tofu'));
  });
});

describe('checkTools', () => {
  it('checks every tool, in a fixed order, with only git required', async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: scratch,
      CODEMONKEYS_TOOLS_DIR: join(scratch, 'empty-tools'),
    };
    const checks = await checkTools({ env });
    expect(checks.map((check) => check.name)).toEqual([...TOOL_NAMES]);
    expect(checks.filter((check) => check.required).map((check) => check.name)).toEqual(['git']);
    for (const check of checks) {
      if (check.status === 'ok') expect(check.path).toMatch(/^\//);
      else expect(check.hint).toBeTruthy();
    }
  });
});
