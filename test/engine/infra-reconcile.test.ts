import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProductResult } from '../../src/engine/product.js';
import { reconcile } from '../../src/engine/reconcile.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { openStore } from '../../src/store/sqlite.js';
import { openTofuPlanStore } from '../../src/store/tofu-plans.js';
import { requireMirror, zipEntries } from '../backends/tofu/fixtures.js';
import { TEST_NOW, testClock } from '../helpers/clock.js';
import { commitAll, git, tempDir } from '../helpers/git.js';

requireMirror();

const silent = createLogger({ level: 'silent' });
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const CONSTITUTION = `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: rules }
spec:
  defaultEffect: allow
  rules:
    - id: destroy-needs-approval
      match: { actions: ["infra.apply"] }
      when: { changes: { destroy: { gt: 0 } } }
      effect: require-approval
      approvers: [carol]
`;

/** Two terraform_data resources by default (built into tofu: no provider to install). */
function dataModule(names: string[]): string {
  return names.map((name) => `resource "terraform_data" "${name}" {\n  input = "${name}"\n}\n`).join('\n');
}

/** A fleet folder whose products have only an infra block, with its own modules under modules/. */
interface InfraFleet {
  root: string;
  fleetDir: string;
  stateFile: string;
  /** The product's tofu working directory, where its local state is. */
  workspace(name: string): string;
  product(name: string, infra: string): void;
  module(name: string, files: Record<string, string>): void;
}

function infraFleet(): InfraFleet {
  const { dir: root, cleanup } = tempDir('cm-infra-');
  cleanups.push(cleanup);
  const fleetDir = join(root, 'fleet');
  mkdirSync(join(fleetDir, 'products', 'acme'), { recursive: true });
  writeFileSync(
    join(fleetDir, 'fleet.yaml'),
    'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: t }\nspec:\n  orgs:\n    - { name: acme, approvers: [alice] }\n  reconcile: { concurrency: 2 }\n',
  );
  writeFileSync(join(fleetDir, 'constitution.yaml'), CONSTITUTION);
  return {
    root,
    fleetDir,
    stateFile: join(fleetDir, '.codemonkeys', 'state.db'),
    workspace: (name) => join(fleetDir, '.codemonkeys', 'tofu', 'workspaces', 'acme', name),
    product(name, infra) {
      writeFileSync(
        join(fleetDir, 'products', 'acme', `${name}.yaml`),
        `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: ${name}, org: acme }\nspec:\n  repo: { url: ../repos/${name}.git }\n  infra: ${infra}\n`,
      );
    },
    module(name, files) {
      const dir = join(fleetDir, 'modules', name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    },
  };
}

function run(
  fleet: InfraFleet,
  options: {
    dryRun?: boolean;
    env?: NodeJS.ProcessEnv;
    logger?: Logger;
    onReconciled?: (result: ProductResult) => void;
  } = {},
) {
  return reconcile({
    clock: testClock(),
    fleet: fleet.fleetDir,
    cwd: fleet.root,
    env: options.env ?? process.env,
    logger: options.logger ?? silent,
    dryRun: Boolean(options.dryRun),
    once: false,
    maxPasses: 30,
    // Doubling from 300 ms, as the default does from 10 s: six tries outlast a lock held for seconds.
    backoff: (failures) => 150 * 2 ** failures,
    onReconciled: options.onReconciled,
  });
}

function approve(fleet: InfraFleet, target: string, by: string): void {
  const store = openStore(fleet.stateFile);
  try {
    store.addApproval({ target, by, reason: 'test', at: TEST_NOW.toISOString() });
  } finally {
    store.close();
  }
}

function condition(result: Awaited<ReturnType<typeof run>>, product: string, type: string) {
  return result.conditions.get(product)?.find((each) => each.type === type);
}

function kinds(result: Awaited<ReturnType<typeof run>>): string[] {
  return result.executed.map((action) => `${action.kind} ${action.product} ${action.outcome}`);
}

/** Every file below `dir` with its size and modification time. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((file) => {
      const info = statSync(join(dir, file));
      return `${file} ${info.size} ${info.mtimeMs}`;
    });
}

function stateResources(fleet: InfraFleet, name: string): string[] {
  const state = JSON.parse(readFileSync(join(fleet.workspace(name), 'terraform.tfstate'), 'utf8')) as {
    resources: { type: string; name: string }[];
  };
  return state.resources.map((resource) => `${resource.type}.${resource.name}`).sort();
}

describe('the infra facet, reconciled with real tofu', () => {
  it('creates the static site (drift: auto), sees a file changed behind its back and applies again', async () => {
    const fleet = infraFleet();
    fleet.product('site', '{ module: tofu/modules/static-site, vars: { site_name: site }, drift: auto }');
    // The module's default: site/ in the product's tofu working directory.
    const index = join(fleet.workspace('site'), 'site', 'index.html');

    const dry = await run(fleet, { dryRun: true });
    expect(dry.plan.actions).toMatchObject([
      { kind: 'infra.apply', changes: { add: 2, change: 0, destroy: 0 }, blockedBy: [] },
    ]);
    expect(existsSync(join(fleet.fleetDir, '.codemonkeys'))).toBe(false);

    const created = await run(fleet);
    expect(created.converged).toBe(true);
    expect(kinds(created)).toEqual(['infra.apply acme/site succeeded']);
    const written = readFileSync(index, 'utf8');
    expect(written).toContain('<h1>site</h1>');
    expect(condition(created, 'acme/site', 'Ready')).toMatchObject({ status: 'True', reason: 'Reconciled' });
    expect(condition(created, 'acme/site', 'Ready')?.message).toBe(
      'infra: in sync with tofu/modules/static-site',
    );

    const quiet = await run(fleet);
    expect(quiet).toMatchObject({ passes: 1, executed: [] });

    // A dry run plans where a real pass would, against the real site and state, and writes
    // nothing there.
    const tofuDir = join(fleet.fleetDir, '.codemonkeys', 'tofu');
    const inSync = listing(tofuDir);
    expect((await run(fleet, { dryRun: true })).plan.actions).toEqual([]);
    expect(listing(tofuDir)).toEqual(inSync);
    writeFileSync(index, '<h1>defaced</h1>\n');
    const defaced = listing(tofuDir);
    const seen = await run(fleet, { dryRun: true });
    expect(seen.plan.actions).toMatchObject([{ kind: 'infra.apply', changes: { add: 1, destroy: 0 } }]);
    expect(listing(tofuDir)).toEqual(defaced);

    const healed = await run(fleet, {
      onReconciled: (product) => {
        const [action] = product.actions;
        if (action) expect(action.reason).toContain('changed outside tofu: local_file.index');
      },
    });
    expect(kinds(healed)).toEqual(['infra.apply acme/site succeeded']);
    expect(readFileSync(index, 'utf8')).toBe(written);
    expect(condition(healed, 'acme/site', 'Ready')).toMatchObject({ status: 'True' });

    // A changed spec cannot be planned where the last run left things without writing there: a
    // dry run plans in a scratch folder with a copy of the state and a link to the real site/.
    fleet.product(
      'site',
      '{ module: tofu/modules/static-site, vars: { site_name: site, tagline: New. }, drift: auto }',
    );
    const healedListing = listing(tofuDir);
    const changed = await run(fleet, { dryRun: true });
    expect(changed.plan.actions).toMatchObject([{ changes: { add: 1, change: 0, destroy: 1 } }]);
    expect(changed.plan.actions[0]?.reason).toContain('(replace local_file.index)');
    expect(listing(tofuDir)).toEqual(healedListing);
  }, 60_000);

  it('drift: propose holds the plan for an approval by the org, then applies exactly it', async () => {
    const fleet = infraFleet();
    fleet.module('pair', { 'main.tf': dataModule(['a', 'b']) });
    fleet.product('pair', '{ module: modules/pair, drift: propose }');

    const held = await run(fleet);
    expect(held.converged).toBe(true);
    expect(held.executed).toEqual([]);
    const [action] = held.plan.actions;
    expect(action?.verdict).toMatchObject({
      effect: 'require-approval',
      rules: ['spec:infra.drift'],
      approvers: ['alice'],
    });
    expect(condition(held, 'acme/pair', 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AwaitingApproval',
    });
    expect(existsSync(join(fleet.workspace('pair'), 'terraform.tfstate'))).toBe(false);

    // Another pass plans again (a new plan file) and still shows the same action to approve.
    const again = await run(fleet);
    expect(again.plan.actions[0]?.id).toBe(action?.id);

    approve(fleet, action?.id ?? '', 'alice');
    const applied = await run(fleet);
    expect(kinds(applied)).toEqual(['infra.apply acme/pair succeeded']);
    expect(stateResources(fleet, 'pair')).toEqual(['terraform_data.a', 'terraform_data.b']);
    expect(condition(applied, 'acme/pair', 'Ready')).toMatchObject({ status: 'True' });
  }, 60_000);

  it('holds a plan that destroys for the approvers of the constitution rule', async () => {
    const fleet = infraFleet();
    fleet.module('pair', { 'main.tf': dataModule(['a', 'b']) });
    fleet.product('pair', '{ module: modules/pair, drift: auto }');
    expect(kinds(await run(fleet))).toEqual(['infra.apply acme/pair succeeded']);

    fleet.module('pair', { 'main.tf': dataModule(['a']) });
    const held = await run(fleet);
    expect(held.executed).toEqual([]);
    const [action] = held.plan.actions;
    expect(action).toMatchObject({
      kind: 'infra.apply',
      changeClass: 'destroy',
      changes: { add: 0, change: 0, destroy: 1 },
      verdict: { effect: 'require-approval', rules: ['destroy-needs-approval'], approvers: ['carol'] },
    });
    expect(action?.reason).toContain('delete terraform_data.b');
    expect(stateResources(fleet, 'pair')).toEqual(['terraform_data.a', 'terraform_data.b']);

    approve(fleet, action?.id ?? '', 'alice'); // an org approver, but not one the rule names
    expect((await run(fleet)).executed).toEqual([]);
    approve(fleet, action?.id ?? '', 'carol');
    expect(kinds(await run(fleet))).toEqual(['infra.apply acme/pair succeeded']);
    expect(stateResources(fleet, 'pair')).toEqual(['terraform_data.a']);
  }, 60_000);

  it('waits while another run holds the state lock, then converges', async () => {
    const fleet = infraFleet();
    fleet.module('value', {
      'main.tf':
        'variable "n" {\n  type = string\n}\n\nresource "terraform_data" "value" {\n  input = var.n\n}\n',
    });
    fleet.product('value', '{ module: modules/value, vars: { n: "1" }, drift: auto }');
    expect(kinds(await run(fleet))).toEqual(['infra.apply acme/value succeeded']);

    // Someone has a tofu console open on the same state (it holds the lock) while the spec changes.
    fleet.product('value', '{ module: modules/value, vars: { n: "2" }, drift: auto }');
    const holder = execa('tofu', ['console', '-var', 'n=1'], {
      cwd: fleet.workspace('value'),
      env: {
        PATH: process.env.PATH,
        TF_CLI_CONFIG_FILE: join(fleet.fleetDir, '.codemonkeys', 'tofu', 'cli.tfrc'),
        TF_IN_AUTOMATION: '1',
      },
      stdin: 'pipe',
      reject: false,
    });
    const lockInfo = join(fleet.workspace('value'), '.terraform.tfstate.lock.info');
    for (let tries = 0; !existsSync(lockInfo) && tries < 400; tries += 1) await sleep(25);
    expect(existsSync(lockInfo)).toBe(true);
    const release = setTimeout(() => holder.stdin?.end(), 2_000);
    const passes: ProductResult[] = [];
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(fleet, { onReconciled: (product) => passes.push(product) });
    } finally {
      clearTimeout(release);
      holder.stdin?.end();
    }
    expect((await holder).exitCode).toBe(0);
    expect(passes[0]?.executed).toEqual([]);
    expect(passes[0]?.status.facets.infra).toMatchObject({
      state: 'error',
      reason: 'TofuStateLocked',
      next: 'waiting',
    });
    expect(passes[0]?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Reconciling', status: 'True', reason: 'TofuStateLocked' }),
        expect.objectContaining({ type: 'Stalled', status: 'False' }),
      ]),
    );
    expect(result.converged).toBe(true);
    expect(kinds(result)).toEqual(['infra.apply acme/value succeeded']);
    expect(condition(result, 'acme/value', 'Ready')).toMatchObject({ status: 'True' });
  }, 60_000);

  it('reads a module from the product repo at its branch head, and follows new commits', async () => {
    const fleet = infraFleet();
    const work = join(fleet.root, 'work', 'ledger');
    const bare = join(fleet.root, 'repos', 'ledger.git');
    mkdirSync(join(work, 'infra'), { recursive: true });
    await git(fleet.root, 'init', '-q', '--bare', '-b', 'main', bare);
    await git(work, 'init', '-q', '-b', 'main');
    writeFileSync(join(work, 'infra', 'main.tf'), dataModule(['bucket']));
    await commitAll(work, 'infra');
    await git(work, 'remote', 'add', 'origin', bare);
    await git(work, 'push', '-q', 'origin', 'main');
    fleet.product('ledger', '{ module: infra, drift: auto }');
    const env = { ...process.env, CODEMONKEYS_CACHE_DIR: join(fleet.root, 'cache') };

    const created = await run(fleet, { env });
    expect(kinds(created)).toEqual(['infra.apply acme/ledger succeeded']);
    expect(stateResources(fleet, 'ledger')).toEqual(['terraform_data.bucket']);

    writeFileSync(join(work, 'infra', 'main.tf'), dataModule(['bucket', 'schedule']));
    await commitAll(work, 'a backup schedule');
    await git(work, 'push', '-q', 'origin', 'main');
    const grown = await run(fleet, { env });
    expect(kinds(grown)).toEqual(['infra.apply acme/ledger succeeded']);
    expect(stateResources(fleet, 'ledger')).toEqual(['terraform_data.bucket', 'terraform_data.schedule']);

    fleet.product('ledger', '{ module: nowhere, drift: auto }');
    const missing = condition(await run(fleet, { env }), 'acme/ledger', 'Stalled');
    expect(missing).toMatchObject({ status: 'True', reason: 'TofuModuleMissing' });
    expect(missing?.message).toContain('tofu module nowhere is not a folder of the fleet repo');
  }, 60_000);

  it('stalls on a module that no longer parses, naming its file and line', async () => {
    const fleet = infraFleet();
    fleet.module('pair', { 'main.tf': dataModule(['a']) });
    fleet.product('pair', '{ module: modules/pair, drift: auto }');
    expect(kinds(await run(fleet))).toEqual(['infra.apply acme/pair succeeded']);

    fleet.module('pair', { 'main.tf': 'resource "terraform_data" "a" {\n  input = "a"\n' });
    const broken = await run(fleet);
    expect(broken.converged).toBe(true);
    expect(broken.executed).toEqual([]);
    const stalled = condition(broken, 'acme/pair', 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'TofuConfigInvalid' });
    expect(stalled?.message).toMatch(
      /^infra: acme\/pair: tofu init failed: modules\/pair\/main\.tf:1:\d+: Unclosed/,
    );
  }, 60_000);

  it('keeps a secret variable out of the state, the plans, the audit and the logs', async () => {
    const fleet = infraFleet();
    const secret = `infra-s3cr3t-${process.pid}-${Date.now()}`;
    fleet.module('deploy', {
      'main.tf': `variable "token" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n\nresource "terraform_data" "deploy" {\n  input = "v1"\n\n  provisioner "local-exec" {\n    command     = "printf %s \\"$T\\" | sha256sum > token.sha256"\n    environment = { T = var.token }\n  }\n}\n`,
    });
    // The same secret in a variable that is only `sensitive`: tofu would write it into the plan.
    fleet.module('leaky', {
      'main.tf': `variable "password" {\n  type      = string\n  sensitive = true\n}\n\nresource "terraform_data" "db" {\n  input = var.password\n}\n`,
    });
    fleet.product(
      'deploy',
      '{ module: modules/deploy, vars: { token: { env: INFRA_TEST_TOKEN } }, drift: auto }',
    );
    fleet.product(
      'leaky',
      '{ module: modules/leaky, vars: { password: { env: INFRA_TEST_TOKEN } }, drift: auto }',
    );
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ stream, pretty: false, level: 'debug' });

    const result = await run(fleet, { env: { ...process.env, INFRA_TEST_TOKEN: secret }, logger });
    expect(kinds(result)).toEqual(['infra.apply acme/deploy succeeded']);
    const sha = readFileSync(join(fleet.workspace('deploy'), 'token.sha256'), 'utf8');
    expect(sha.split(' ')[0]).toBe(createHash('sha256').update(secret).digest('hex'));
    const leaky = condition(result, 'acme/leaky', 'Stalled');
    expect(leaky).toMatchObject({ status: 'True', reason: 'TofuSecretInPlan' });
    expect(leaky?.message).toContain('var.password');

    expect(lines.join('')).toContain('tofu apply finished');
    expect(lines.join('')).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain(secret);
    const store = openStore(fleet.stateFile);
    try {
      expect(JSON.stringify(store.audit({ limit: 1000 }))).not.toContain(secret);
    } finally {
      store.close();
    }
    const plans = openTofuPlanStore(fleet.stateFile);
    try {
      const saved = plans.latest('acme/deploy');
      expect(saved).toBeDefined();
      const file = join(fleet.root, 'restored.tfplan');
      plans.restore(saved?.id ?? '', file);
      for (const [name, data] of zipEntries(readFileSync(file)))
        expect(data.includes(secret), name).toBe(false);
    } finally {
      plans.close();
    }
    const stateFiles = readdirSync(join(fleet.fleetDir, '.codemonkeys')).filter((file) =>
      file.startsWith('state.db'),
    );
    for (const file of stateFiles) {
      expect(readFileSync(join(fleet.fleetDir, '.codemonkeys', file)).includes(secret), file).toBe(false);
    }
    expect(readFileSync(join(fleet.workspace('deploy'), 'terraform.tfstate')).includes(secret)).toBe(false);
  }, 60_000);
});
