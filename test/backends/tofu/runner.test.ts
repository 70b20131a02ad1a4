import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { TofuWorkspace } from '../../../src/backends/tofu/runner.js';
import { workspacePaths } from '../../../src/backends/tofu/workspace.js';
import { createLogger } from '../../../src/log/logger.js';
import { rejection } from '../../helpers/rejection.js';
import { dataModule, MODULES, tofuScratch, zipEntries } from './fixtures.js';

const scratch = tofuScratch('cm-tofu-runner-');
afterAll(() => scratch.cleanup());

describe('TofuRunner with the static-site module and the real hashicorp/local provider', () => {
  it('creates the site, sees a file changed behind its back as drift, and the apply of the saved plan converges', async () => {
    const runner = scratch.runner();
    const site = join(scratch.dir, 'site');
    const workspace: TofuWorkspace = {
      product: 'acme/widget',
      moduleDir: join(MODULES, 'static-site'),
      moduleLabel: 'tofu/modules/static-site',
      vars: { site_name: 'widget', root_dir: site },
    };

    const first = await runner.plan(workspace);
    expect(first).toMatchObject({ changed: true, summary: { add: 2, change: 0, destroy: 0, drift: [] } });
    expect(first.summary.resources).toEqual([
      { address: 'local_file.index', action: 'create' },
      { address: 'local_file.version', action: 'create' },
    ]);
    expect(first.planId).not.toBeNull();
    expect(existsSync(join(site, 'index.html'))).toBe(false);
    expect(await runner.apply(workspace, first.planId ?? '')).toMatchObject({
      add: 2,
      change: 0,
      destroy: 0,
    });
    const written = readFileSync(join(site, 'index.html'), 'utf8');
    expect(written).toContain('<h1>widget</h1>');

    const quiet = await runner.plan(workspace);
    expect(quiet).toMatchObject({ changed: false, planId: null, summary: { add: 0, change: 0, destroy: 0 } });

    writeFileSync(join(site, 'index.html'), '<h1>defaced</h1>\n');
    const drifted = await runner.plan(workspace);
    expect(drifted.changed).toBe(true);
    expect(drifted.summary.drift).toEqual([{ address: 'local_file.index', action: 'delete' }]);
    expect(drifted.summary.resources).toEqual([{ address: 'local_file.index', action: 'create' }]);

    await runner.apply(workspace, drifted.planId ?? '');
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toBe(written);
    expect((await runner.plan(workspace)).changed).toBe(false);
  });
});

describe('TofuRunner plans and applies', () => {
  it('counts a resource removed from the module as a destroy, with its address', async () => {
    const runner = scratch.runner();
    const moduleDir = scratch.module('pair', dataModule(['a', 'b']));
    const workspace = { product: 'acme/pair', moduleDir };
    const created = await runner.plan(workspace);
    await runner.apply(workspace, created.planId ?? '');

    writeFileSync(join(moduleDir, 'main.tf'), dataModule(['a'])['main.tf'] ?? '');
    const shrunk = await runner.plan(workspace);
    expect(shrunk.summary).toMatchObject({ add: 0, change: 0, destroy: 1 });
    expect(shrunk.summary.resources).toEqual([{ address: 'terraform_data.b', action: 'delete' }]);
  });

  it('keeps the state where a backend block of the module says, not in the working directory', async () => {
    const runner = scratch.runner({ dir: join(scratch.dir, 'runner-own-backend') });
    const stateFile = join(scratch.dir, 'elsewhere', 'site.tfstate');
    const backend = `terraform {\n  backend "local" {\n    path = ${JSON.stringify(stateFile)}\n  }\n}\n\n`;
    const moduleDir = scratch.module('own-backend', {
      'main.tf': backend + (dataModule(['a'])['main.tf'] ?? ''),
    });
    const workspace = { product: 'acme/own-backend', moduleDir };
    await runner.apply(workspace, (await runner.plan(workspace)).planId ?? '');
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ resources: [{ name: 'a' }] });
    const workDir = workspacePaths(join(scratch.dir, 'runner-own-backend'), 'acme/own-backend').dir;
    expect(existsSync(join(workDir, 'terraform.tfstate'))).toBe(false);
  });

  it('keeps a saved plan in the state store and refuses it once stale', async () => {
    const runner = scratch.runner();
    const moduleDir = scratch.module('counter');
    const at = (n: string): TofuWorkspace => ({ product: 'acme/counter', moduleDir, vars: { n } });
    await runner.apply(at('1'), (await runner.plan(at('1'))).planId ?? '');

    const older = await runner.plan(at('2'));
    const newer = await runner.plan(at('3'));
    expect(older.fingerprint).not.toBe(newer.fingerprint);
    expect(scratch.plans.get(older.planId ?? '')).toMatchObject({
      product: 'acme/counter',
      summary: { change: 1 },
    });
    await runner.apply(at('3'), newer.planId ?? '');

    const stale = await rejection(runner.apply(at('2'), older.planId ?? ''));
    expect(stale).toMatchObject({ reason: 'TofuPlanStale', next: 'transient' });
    expect(stale.message).toContain('acme/counter: tofu apply: the saved plan is stale');
  });

  it('gives the same fingerprint to two plans of the same change, and saves nothing on a dry run', async () => {
    const runner = scratch.runner();
    const workspace = { product: 'acme/dry', moduleDir: scratch.module('dry', dataModule(['only'])) };
    const dry = await runner.plan(workspace, { save: false });
    expect(dry).toMatchObject({ changed: true, planId: null, summary: { add: 1 } });
    expect(scratch.plans.latest('acme/dry')).toBeUndefined();
    const saved = await runner.plan(workspace);
    expect(saved.fingerprint).toBe(dry.fingerprint);
    expect(scratch.plans.latest('acme/dry')?.id).toBe(saved.planId);
  });
});

describe('TofuRunner failures', () => {
  it('reports a held state lock as waiting, and with a lock timeout waits for it', async () => {
    const moduleDir = scratch.module('slow');
    const runnerDir = join(scratch.dir, 'runner-locked');
    const impatient = scratch.runner({ dir: runnerDir, lockedRetryMs: 5_000 });
    const workspace = { product: 'acme/locked', moduleDir, vars: { n: '1' } };
    await impatient.apply(workspace, (await impatient.plan(workspace)).planId ?? '');

    // Another tofu applies in the same working directory and holds the state lock for 4 s.
    const paths = workspacePaths(runnerDir, 'acme/locked');
    const holder = execa(
      'tofu',
      ['apply', '-auto-approve', '-input=false', '-var', 'n=2', '-var', 'pause=4'],
      {
        cwd: paths.dir,
        env: { TF_CLI_CONFIG_FILE: join(runnerDir, 'cli.tfrc'), TF_IN_AUTOMATION: '1' },
        reject: false,
      },
    );
    const lockInfo = join(paths.dir, '.terraform.tfstate.lock.info');
    for (let tries = 0; !existsSync(lockInfo) && tries < 200; tries += 1) await sleep(25);
    expect(existsSync(lockInfo)).toBe(true);

    const locked = await rejection(impatient.plan(workspace));
    expect(locked).toMatchObject({ reason: 'TofuStateLocked', next: 'waiting', retryAfterMs: 5_000 });
    expect(locked.message).toMatch(
      /acme\/locked: tofu plan: the state is locked by another run \(.*OperationTypeApply/,
    );

    const patient = scratch.runner({ dir: runnerDir, lockTimeoutMs: 20_000 });
    const waited = await patient.plan(workspace);
    expect((await holder).exitCode).toBe(0);
    expect(waited.summary.resources).toEqual([{ address: 'terraform_data.slow', action: 'replace' }]);
  });

  it('locates a syntax error in the module by file, line and column, and stalls', async () => {
    const runner = scratch.runner();
    const moduleDir = scratch.module('broken');
    const workspace = { product: 'acme/broken', moduleDir, moduleLabel: 'tofu/modules/broken' };
    const error = await rejection(runner.plan(workspace));
    expect(error).toMatchObject({ reason: 'TofuConfigInvalid', next: 'stalled' });
    expect(error.message).toContain(
      'acme/broken: tofu init failed: tofu/modules/broken/main.tf:1:31: Unclosed configuration block',
    );
    expect(error).toHaveProperty('diagnostics.0.range', { filename: 'main.tf', line: 1, column: 31 });
  });

  it('answers validate of a module that does not parse with its located problems', async () => {
    const runner = scratch.runner();
    const result = await runner.validate({ product: 'acme/broken', moduleDir: scratch.module('broken') });
    expect(result.valid).toBe(false);
    expect(result.diagnostics).toMatchObject([
      { severity: 'error', summary: 'Unclosed configuration block', range: { filename: 'main.tf', line: 1 } },
    ]);
  });

  it('locates an error only the plan finds (an undeclared variable)', async () => {
    const runner = scratch.runner();
    const moduleDir = scratch.module('undeclared');
    const error = await rejection(runner.plan({ product: 'acme/undeclared', moduleDir, moduleLabel: 'mod' }));
    expect(error).toMatchObject({ reason: 'TofuConfigInvalid', next: 'stalled' });
    expect(error.message).toContain(
      'tofu plan failed: mod/main.tf:2:11: Reference to undeclared input variable',
    );
  });
});

describe('TofuRunner and secrets', () => {
  const secret = `s3cr3t-${Date.now()}`;

  it('passes an ephemeral secret in the environment only: not in the saved plan, the summary or the logs', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const runnerDir = join(scratch.dir, 'runner-secrets');
    const logger = createLogger({ stream, pretty: false, level: 'debug' });
    const runner = scratch.runner({ dir: runnerDir, logger });
    const moduleDir = scratch.module('deploy');
    const workspace = { product: 'acme/deploy', moduleDir, secretVars: { token: secret } };
    const planned = await runner.plan(workspace);

    const file = join(scratch.dir, 'restored.tfplan');
    scratch.plans.restore(planned.planId ?? '', file);
    const entries = zipEntries(readFileSync(file));
    expect(entries.has('tfplan')).toBe(true);
    for (const [name, data] of entries) expect(data.includes(secret), name).toBe(false);
    rmSync(file);
    expect(JSON.stringify(scratch.plans.get(planned.planId ?? ''))).not.toContain(secret);

    await runner.apply(workspace, planned.planId ?? '');
    const sha = readFileSync(join(workspacePaths(runnerDir, 'acme/deploy').dir, 'token.sha256'), 'utf8');
    expect(sha.split(' ')[0]).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(lines.join('')).toContain('tofu plan has changes');
    expect(lines.join('')).not.toContain(secret);
  });

  it('refuses to save a plan that holds a secret in the clear, naming the variable and not its value', async () => {
    const runner = scratch.runner();
    const moduleDir = scratch.module('leaky');
    const error = await rejection(
      runner.plan({ product: 'acme/leaky', moduleDir, secretVars: { password: secret } }),
    );
    expect(error).toMatchObject({ reason: 'TofuSecretInPlan', next: 'stalled' });
    expect(error.message).toContain('holds the value of var.password in the clear');
    expect(error.message).not.toContain(secret);
    expect(scratch.plans.latest('acme/leaky')).toBeUndefined();
  });
});
