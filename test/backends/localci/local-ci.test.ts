import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildRecord, BuildRequest } from '../../../src/backends/ci.js';
import { LocalCi, type LocalCiOptions } from '../../../src/backends/localci/index.js';
import { writeJob } from '../../../src/backends/localci/job.js';
import { CodemonkeysError } from '../../../src/errors.js';
import { Redactor } from '../../../src/log/redact.js';
import { commitAll, git, tempDir } from '../../helpers/git.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER = join(ROOT, 'dist/backends/localci/worker.js');
const FINAL = new Set(['succeeded', 'failed', 'timed-out', 'aborted']);

const temp = tempDir('cm-localci-');
let repo: string;
let first: string;
let second: string;
let testCount = 0;

/** Child processes run dist/; compile when it is missing or older than the sources it comes from. */
async function buildIfStale(): Promise<void> {
  const sources = ['src/backends/localci', 'src/backends/git'].flatMap((dir) =>
    readdirSync(join(ROOT, dir)).map((name) => join(ROOT, dir, name)),
  );
  const newest = Math.max(...sources.map((path) => statSync(path).mtimeMs));
  if (existsSync(WORKER) && statSync(WORKER).mtimeMs >= newest) return;
  const build = await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, reject: false });
  if (!existsSync(WORKER) || statSync(WORKER).mtimeMs < newest) {
    throw new Error(`building dist/ failed:\n${build.stdout}\n${build.stderr}`);
  }
}

beforeAll(async () => {
  await buildIfStale();
  repo = join(temp.dir, 'repo');
  await git(temp.dir, 'init', '-q', '-b', 'main', repo);
  writeFileSync(join(repo, 'hello.txt'), 'hello from the repo\n');
  first = await commitAll(repo, 'first');
  writeFileSync(join(repo, 'hello.txt'), 'hello again\n');
  second = await commitAll(repo, 'second');
}, 60_000);
afterAll(() => temp.cleanup());

/** A runner with a state directory of its own; mirrors shared between tests to save clones. */
function runner(options: Partial<LocalCiOptions> = {}): LocalCi {
  testCount++;
  return new LocalCi({
    stateDir: join(temp.dir, `state-${testCount}`),
    mirrorDir: join(temp.dir, 'mirrors'),
    ...options,
  });
}

function request(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    product: 'acme/widget',
    repoUrl: repo,
    branch: 'main',
    commit: first,
    steps: ['true'],
    timeoutMs: 20_000,
    env: {},
    ...overrides,
  };
}

async function waitFor(
  ci: LocalCi,
  product: string,
  commit: string,
  done: (record: BuildRecord) => boolean,
): Promise<BuildRecord> {
  const until = Date.now() + 20_000;
  for (;;) {
    const record = await ci.observe(product, commit);
    if (record && done(record)) return record;
    if (Date.now() > until) throw new Error(`timed out waiting; last record ${JSON.stringify(record)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const finished = (ci: LocalCi, product: string, commit: string) =>
  waitFor(ci, product, commit, (record) => FINAL.has(record.state));

function stored(record: BuildRecord): { worker: { pid: number }; step?: { pid: number }; state: string } {
  return JSON.parse(readFileSync(join(record.logRef, '..', 'record.json'), 'utf8'));
}

/** True while the process exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function filesNamed(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => pattern.test(path));
}

describe('LocalCi', () => {
  it('runs the steps in a clean checkout of the commit and records success', async () => {
    const ci = runner();
    const queued = await ci.trigger(
      request({
        steps: ['cat hello.txt', 'git rev-parse HEAD; echo "$GREETING"'],
        env: { GREETING: 'hi there' },
      }),
    );
    expect(['queued', 'running']).toContain(queued.state);
    const record = await finished(ci, 'acme/widget', first);
    expect(record).toMatchObject({
      state: 'succeeded',
      buildId: queued.buildId,
      product: 'acme/widget',
      commit: first,
    });
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(record.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
    const log = await ci.log(record);
    expect(log.more).toBe(false);
    expect(log.text).toContain('==> step 1/2: cat hello.txt\nhello from the repo\n');
    expect(log.text).toContain(`==> step 2/2: git rev-parse HEAD; echo "$GREETING"\n${first}\nhi there\n`);
    expect(log.text).toContain('<== step 2/2 exited with code 0');
    const rest = await ci.log(record, 10);
    expect(rest.text).toBe(log.text.slice(10));
    expect(rest.nextOffset).toBe(Buffer.byteLength(log.text));
    expect(existsSync(join(record.logRef, '..', 'work'))).toBe(false);
    const foreign = await ci.log({ ...record, logRef: '/etc/passwd' }).catch((caught: unknown) => caught);
    expect((foreign as CodemonkeysError).reason).toBe('ForeignBuild');
  });

  it('records a failing step with its index, command, exit code and the tail of the log', async () => {
    const ci = runner();
    await ci.trigger(request({ steps: ['echo one', 'echo boom >&2; exit 3', 'echo never'] }));
    const record = await finished(ci, 'acme/widget', first);
    expect(record.state).toBe('failed');
    expect(record.failure).toMatchObject({
      step: 1,
      command: 'echo boom >&2; exit 3',
      exitCode: 3,
      signal: null,
    });
    expect(record.failure?.logTail).toContain('boom');
    expect((await ci.log(record)).text).not.toContain('never');
  });

  it('keeps the artifacts a build that succeeded leaves, at their paths, and reports where', async () => {
    const ci = runner();
    const steps = [
      'mkdir -p dist/inner image && echo wheel > dist/inner/a.whl && echo layout > image/index.json',
    ];
    await ci.trigger(request({ steps, artifacts: ['dist', 'image/index.json'] }));
    const record = await finished(ci, 'acme/widget', first);
    expect(record.state).toBe('succeeded');
    expect(record.artifacts).toBe(join(record.logRef, '..', 'artifacts'));
    expect(readFileSync(join(record.artifacts as string, 'dist/inner/a.whl'), 'utf8')).toBe('wheel\n');
    expect(readFileSync(join(record.artifacts as string, 'image/index.json'), 'utf8')).toBe('layout\n');
    expect((await ci.log(record)).text).toContain('==> kept the artifact dist');
    expect(existsSync(join(record.logRef, '..', 'work'))).toBe(false);
  });

  it('fails a build whose steps did not leave an artifact it was to keep, naming it', async () => {
    const ci = runner();
    await ci.trigger(request({ steps: ['mkdir dist'], artifacts: ['dist', 'image'] }));
    const record = await finished(ci, 'acme/widget', first);
    expect(record.state).toBe('failed');
    expect(record.failure).toMatchObject({ step: 1, command: 'keep the artifact image', exitCode: null });
    expect(record.artifacts).toBeUndefined();
  });

  it('refuses an artifact path that leaves the worktree', async () => {
    const ci = runner();
    await expect(ci.trigger(request({ artifacts: ['../outside'] }))).rejects.toMatchObject({
      reason: 'InvalidBuildRequest',
    });
  });

  it('times a build out and kills every process its step started', async () => {
    const ci = runner();
    const pids = join(temp.dir, 'pids');
    const step = 'echo $$ > "$PIDS"; sleep 30 & echo $! >> "$PIDS"; sleep 30 & echo $! >> "$PIDS"; wait';
    await ci.trigger(request({ steps: ['echo fast', step], timeoutMs: 1500, env: { PIDS: pids } }));
    const record = await finished(ci, 'acme/widget', first);
    expect(record.state).toBe('timed-out');
    expect(record.failure).toMatchObject({ step: 1, command: step });
    expect(record.durationMs).toBeLessThan(6000);
    const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(started).toHaveLength(3);
    for (const pid of started) expect(running(pid)).toBe(false);
  });

  it('starts one build when triggers for the same commit race, from one runner or two', async () => {
    const ci = runner();
    const other = new LocalCi({
      stateDir: join(temp.dir, `state-${testCount}`),
      mirrorDir: join(temp.dir, 'mirrors'),
    });
    const slow = request({ steps: ['sleep 1'] });
    const records = await Promise.all([ci.trigger(slow), ci.trigger(slow), other.trigger(slow)]);
    expect(new Set(records.map((record) => record.buildId)).size).toBe(1);
    const runs = readdirSync(join(records[0]?.logRef ?? '', '..', '..')).filter(
      (name) => !name.startsWith('.'),
    );
    expect(runs).toHaveLength(1);
    await finished(ci, 'acme/widget', first);
  });

  it('breaks a lock left by a reconciler that died', async () => {
    const ci = runner();
    const dead = await execa('node', ['-e', 'console.log(process.pid)']);
    const dir = join(temp.dir, `state-${testCount}`, 'builds', 'acme', 'widget', first);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: Number(dead.stdout), token: 'gone' }));
    await ci.trigger(request());
    expect((await finished(ci, 'acme/widget', first)).state).toBe('succeeded');
  });

  it('reports a build whose worker was killed as aborted, and ends its step and frees its slot', async () => {
    const ci = runner({ maxConcurrent: 1 });
    const queued = await ci.trigger(request({ steps: ['echo started; sleep 20'] }));
    await waitFor(
      ci,
      'acme/widget',
      first,
      (record) => record.state === 'running' && stored(record).step !== undefined,
    );
    expect((await ci.log(queued)).more).toBe(true);
    const { worker, step } = stored(queued);
    process.kill(worker.pid, 'SIGKILL');
    const record = await finished(ci, 'acme/widget', first);
    expect(record.state).toBe('aborted');
    expect(stored(record).state).toBe('aborted');
    expect(running(step?.pid ?? 0)).toBe(false);
    expect(existsSync(join(record.logRef, '..', 'work'))).toBe(false);
    expect((await ci.log(record)).more).toBe(false);
    // Aborted is final: the next trigger starts a new build, in the slot the dead worker held.
    const again = await ci.trigger(request());
    expect(again.buildId).not.toBe(record.buildId);
    await finished(ci, 'acme/widget', first);
  });

  it('finishes a build after the reconciler that triggered it is killed', async () => {
    const stateDir = join(temp.dir, 'state-killed');
    const script = join(temp.dir, 'trigger.mjs');
    const moduleUrl = pathToFileURL(join(ROOT, 'dist/backends/localci/index.js')).href;
    writeFileSync(
      script,
      `import { LocalCi } from ${JSON.stringify(moduleUrl)};
const [stateDir, repoUrl, commit] = process.argv.slice(2);
const ci = new LocalCi({ stateDir });
const record = await ci.trigger({ product: 'acme/widget', repoUrl, branch: 'main', commit, steps: ['sleep 1', 'echo survived'], timeoutMs: 20000, env: {} });
process.stdout.write(JSON.stringify(record), () => process.kill(process.pid, 'SIGKILL'));
`,
    );
    const child = await execa('node', [script, stateDir, repo, first], { reject: false });
    expect(child.signal).toBe('SIGKILL');
    const triggered = JSON.parse(child.stdout) as BuildRecord;
    const ci = new LocalCi({ stateDir });
    // The next pass asks again: the build in flight is returned, not started twice.
    expect((await ci.trigger(request())).buildId).toBe(triggered.buildId);
    const record = await finished(ci, 'acme/widget', first);
    expect(record).toMatchObject({ state: 'succeeded', buildId: triggered.buildId });
    expect((await ci.log(record)).text).toContain('survived');
  });

  it('keeps secret environment values out of log.txt and record.json', async () => {
    const redactor = new Redactor();
    redactor.register('registered-secret-77');
    const ci = runner({ redactor, secretEnv: ['CUSTOM'] });
    const env = {
      API_TOKEN: 'tok-abcdef123',
      CUSTOM: 'custom-secret-99',
      REGISTERED: 'registered-secret-77',
      PLAIN: 'visible-value',
    };
    const steps = [
      'echo "$API_TOKEN $CUSTOM $REGISTERED $PLAIN"; env',
      // The token split over two writes to the pipe.
      `printf 'tok-abc'; sleep 0.2; printf 'def123\\n'; echo "$CUSTOM" >&2; exit 1`,
    ];
    await ci.trigger(request({ env, steps }));
    const record = await finished(ci, 'acme/widget', first);
    expect(record.state).toBe('failed');
    const dir = join(record.logRef, '..');
    const log = readFileSync(record.logRef, 'utf8');
    const saved = readFileSync(join(dir, 'record.json'), 'utf8');
    for (const secret of ['tok-abcdef123', 'custom-secret-99', 'registered-secret-77']) {
      expect(log).not.toContain(secret);
      expect(saved).not.toContain(secret);
    }
    expect(log).toContain('[REDACTED] [REDACTED] [REDACTED] visible-value');
    expect(log).toContain('PLAIN=visible-value');
    expect(record.failure?.logTail).toContain('[REDACTED]');
    expect(existsSync(join(dir, 'job.json'))).toBe(false);
  });

  it('keeps the build spec it was asked to build with through every state, and reports it', async () => {
    const ci = runner();
    const spec = {
      hash: '0123456789ab',
      fields: { steps: '01234567', env: '89abcdef', timeout: 'fedcba98', ci: '76543210' },
    };
    const queued = await ci.trigger(request({ spec }));
    expect(queued.spec).toEqual(spec);
    const record = await finished(ci, 'acme/widget', first);
    expect(record).toMatchObject({ state: 'succeeded', spec });
    expect(JSON.parse(readFileSync(join(record.logRef, '..', 'record.json'), 'utf8')).spec).toEqual(spec);
  });

  it('builds a commit again with a new spec once its build ended, and reports the newest', async () => {
    const ci = runner();
    const before = { hash: 'aaaaaaaaaaaa', fields: { steps: 'aaaaaaaa' } };
    const after = { hash: 'bbbbbbbbbbbb', fields: { steps: 'bbbbbbbb' } };
    await ci.trigger(request({ spec: before, steps: ['echo before'] }));
    expect((await finished(ci, 'acme/widget', first)).spec).toEqual(before);
    const again = await ci.trigger(request({ spec: after, steps: ['echo after'] }));
    const record = await finished(ci, 'acme/widget', first);
    expect(record).toMatchObject({ buildId: again.buildId, state: 'succeeded', spec: after });
    expect((await ci.log(record)).text).toContain('==> step 1/1: echo after');
  });

  it('reads a record written before the runner kept the spec as a build without one', async () => {
    const ci = runner();
    await ci.trigger(request({ spec: { hash: 'cccccccccccc', fields: {} } }));
    const record = await finished(ci, 'acme/widget', first);
    const path = join(record.logRef, '..', 'record.json');
    const { spec: _spec, ...old } = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify(old));
    const seen = await ci.observe('acme/widget', first);
    expect(seen).toMatchObject({ state: 'succeeded', buildId: record.buildId });
    expect(seen).not.toHaveProperty('spec');
  });

  it('refuses a spec that is not a hash of one', async () => {
    const spec = { hash: 'not a hash at all', fields: {} };
    const error = await runner()
      .trigger(request({ spec }))
      .catch((caught: unknown) => caught);
    expect((error as CodemonkeysError).reason).toBe('InvalidBuildRequest');
    expect((error as CodemonkeysError).message).toContain('spec.hash must be 12 hex digits');
  });

  it('writes the job file with the environment readable by its owner only', async () => {
    const path = join(temp.dir, 'job.json');
    await writeJob(path, {
      request: request(),
      secrets: [],
      mirrorDir: '/m',
      slotsDir: '/s',
      maxConcurrent: 1,
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('never interprets shell metacharacters in the product, branch or commit', async () => {
    const ci = runner();
    const product = 'acme/x$(touch PWNED1)`touch PWNED2`;touch PWNED3';
    await ci.trigger(request({ product, branch: 'main;touch PWNED4 && echo', steps: ['echo ok'] }));
    expect((await finished(ci, product, first)).state).toBe('succeeded');
    const error = await ci.trigger(request({ commit: '$(touch PWNED5)' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CodemonkeysError);
    expect((error as CodemonkeysError).reason).toBe('InvalidCommit');
    const outside = await ci.observe('../..', first).catch((caught: unknown) => caught);
    expect((outside as CodemonkeysError).reason).toBe('InvalidProduct');
    // The product's folder carries the name verbatim; no file was created by running any of it.
    expect(filesNamed(temp.dir, /(^|\/)x\$\(touch PWNED1\)`touch PWNED2`;touch PWNED3$/)).toHaveLength(1);
    expect(filesNamed(temp.dir, /(^|\/)PWNED\d$/)).toEqual([]);
    expect(readdirSync(ROOT).filter((name) => name.startsWith('PWNED'))).toEqual([]);
  });

  it('runs builds one after the other with maxConcurrent 1', async () => {
    const ci = runner({ maxConcurrent: 1 });
    await ci.trigger(request({ steps: ['sleep 0.6'] }));
    await ci.trigger(request({ commit: second, steps: ['sleep 0.6'] }));
    const [a, b] = await Promise.all([
      finished(ci, 'acme/widget', first),
      finished(ci, 'acme/widget', second),
    ]);
    expect([a?.state, b?.state]).toEqual(['succeeded', 'succeeded']);
    const [earlier, later] = [a, b].sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt));
    expect(Date.parse(later?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(earlier?.finishedAt ?? ''));
  });
});
