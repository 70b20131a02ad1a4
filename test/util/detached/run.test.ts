import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DetachedCommand, detachedPaths, runDetached } from '../../../src/util/detached/run.js';
import { isAlive } from '../../../src/util/processes.js';
import { spawnWorker, workerScript } from '../../../src/util/spawn-worker.js';
import { ensureBuilt } from '../../helpers/build.js';
import { tempDir } from '../../helpers/git.js';
import { until } from '../../helpers/until.js';

const DIST_RUN = fileURLToPath(new URL('../../../dist/util/detached/run.js', import.meta.url));

beforeAll(() => ensureBuilt(), 120_000);

/** A shell program that counts its runs in `counter`, outside the run's folder. */
function counting(counter: string, script: string, extra: Partial<DetachedCommand> = {}): DetachedCommand {
  return {
    file: '/bin/sh',
    args: ['-c', `echo started >> "$COUNTER"; ${script}`],
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', COUNTER: counter },
    timeoutMs: 30_000,
    display: ['sh', '-c', '…'],
    ...extra,
  };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

describe('a program run by a detached worker', () => {
  it('runs once per folder: its output and exit code come back, and a second call reads them back without running it again', async () => {
    const { dir, cleanup } = tempDir('cm-detached-');
    try {
      const counter = join(dir, 'counter');
      const folder = join(dir, 'run');
      const first = await runDetached(folder, async () =>
        counting(counter, 'echo out; echo err >&2; exit 3'),
      );
      expect(first).toMatchObject({
        stdout: 'out\n',
        stderr: 'err\n',
        exitCode: 3,
        signal: null,
        adopted: false,
      });
      expect(first.timedOut).toBe(false);
      const again = await runDetached(folder, async () => {
        throw new Error('a run is in the folder: nothing is prepared');
      });
      expect(again).toMatchObject({ stdout: 'out\n', exitCode: 3, adopted: true });
      expect(lines(counter)).toEqual(['started']);
      // The job (with the environment) is gone; output and outcome are the owner's only.
      const paths = detachedPaths(folder);
      expect(existsSync(paths.job)).toBe(false);
      for (const file of [paths.stdout, paths.stderr, paths.outcome, paths.run])
        expect(statSync(file).mode & 0o077, file).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('outlives the process that started it (kill -9), and the next caller waits for it and gets its real outcome', async () => {
    const { dir, cleanup } = tempDir('cm-detached-');
    try {
      const counter = join(dir, 'counter');
      const folder = join(dir, 'run');
      const secrets = join(dir, 'secrets');
      writeFileSync(secrets, 'vault password\n');
      const command = counting(counter, 'sleep 1; echo finished', { removeAfter: [secrets] });
      const starter = execa(
        'node',
        [
          '--input-type=module',
          '-e',
          `const { runDetached } = await import(${JSON.stringify(DIST_RUN)});
           await runDetached(${JSON.stringify(folder)}, async () => (${JSON.stringify(command)}));`,
        ],
        { reject: false },
      );
      await until('the program to start', () => lines(counter).length === 1);
      starter.kill('SIGKILL');
      expect((await starter).signal).toBe('SIGKILL');
      const adopted = await runDetached(folder, async () => {
        throw new Error('must not start a second run');
      });
      expect(adopted).toMatchObject({ stdout: 'finished\n', exitCode: 0, adopted: true });
      expect(lines(counter)).toEqual(['started']);
      expect(existsSync(secrets)).toBe(false);
    } finally {
      cleanup();
    }
  }, 30_000);

  it('stops a program past its time limit: its whole process group, with the signal asked for', async () => {
    const { dir, cleanup } = tempDir('cm-detached-');
    try {
      const counter = join(dir, 'counter');
      const child = join(dir, 'child-pid');
      const ended = await runDetached(join(dir, 'run'), async () =>
        counting(counter, `sleep 30 & echo $! > "${child}"; wait`, { timeoutMs: 400, stopSignal: 'SIGINT' }),
      );
      expect(ended.timedOut).toBe(true);
      expect(ended.exitCode === null ? ended.signal : ended.exitCode).toBeTruthy();
      const pid = Number(readFileSync(child, 'utf8'));
      await until('the grandchild to end', () => !isAlive({ pid, token: null }), 5_000);
    } finally {
      cleanup();
    }
  });

  it('reports a program that cannot be started, and a run whose worker died without an outcome', async () => {
    const { dir, cleanup } = tempDir('cm-detached-');
    try {
      const missing = await runDetached(join(dir, 'missing'), async () => ({
        ...counting(join(dir, 'counter'), ''),
        file: join(dir, 'no-such-program'),
      }));
      expect(missing.spawnError).toMatch(/could not be started: spawn .*no-such-program ENOENT/);

      const folder = join(dir, 'lost');
      const pidFile = join(dir, 'program-pid');
      const running = runDetached(folder, async () =>
        counting(join(dir, 'counter2'), `echo $$ > "${pidFile}"; exec sleep 30`),
      );
      await until(
        'the program to start',
        () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'),
      );
      const { worker } = JSON.parse(readFileSync(detachedPaths(folder).run, 'utf8')) as {
        worker: { pid: number };
      };
      process.kill(worker.pid, 'SIGKILL');
      await expect(running).rejects.toMatchObject({ reason: 'DetachedRunLost', next: 'transient' });
      // The program, orphaned in its own group, is ended here: a test leaves nothing behind.
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } finally {
      cleanup();
    }
  }, 30_000);

  it('runs nothing when the process that started it died before recording it', async () => {
    const { dir, cleanup } = tempDir('cm-detached-');
    try {
      const counter = join(dir, 'counter');
      const folder = join(dir, 'run');
      const paths = detachedPaths(folder);
      await execa('mkdir', ['-p', folder]);
      const { display: _display, ...job } = counting(counter, 'true');
      writeFileSync(paths.job, JSON.stringify(job), { mode: 0o600 });
      // As if the starter died between starting the worker and writing run.json.
      const worker = spawnWorker(workerScript('util/detached/worker.js'), folder);
      await until('the worker to give up', () => !isAlive(worker), 20_000);
      expect(existsSync(counter)).toBe(false);
      expect(existsSync(paths.outcome)).toBe(false);
      expect(existsSync(paths.job)).toBe(false);
    } finally {
      cleanup();
    }
  }, 30_000);
});
