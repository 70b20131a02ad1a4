import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { CodemonkeysError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import { type ProcessRef, startToken } from './processes.js';

/** Variables of the reconciler's environment a worker keeps: enough for git and node, no more. */
const WORKER_ENV = /^(PATH|HOME|LANG|LC_ALL|TMPDIR|SSH_AUTH_SOCK|GIT_[A-Z_]+)$/;

/**
 * A compiled worker script of the package, by its path under dist/ (`backends/localci/worker.js`).
 * Tests run the TypeScript sources, so the worker always comes from dist/: `npm run build` first.
 */
export function workerScript(path: string): string {
  const built = join(PACKAGE_ROOT, 'dist', path);
  if (existsSync(built)) return built;
  throw new CodemonkeysError(
    `a worker of codemonkeys is not built (${built} is missing): run npm run build`,
    {
      reason: 'WorkerNotBuilt',
      next: 'stalled',
    },
  );
}

/**
 * Starts `node <script> <dir>` in its own session, detached from the reconciler, so that it goes
 * on when the reconciler exits or is killed. Everything the worker has to say goes to files in
 * `dir`; whatever secrets it needs it reads from there too, never from this environment.
 */
export function spawnWorker(script: string, dir: string, env: NodeJS.ProcessEnv = process.env): ProcessRef {
  const workerEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && WORKER_ENV.test(name)) workerEnv[name] = value;
  }
  const child = execa(process.execPath, [script, dir], {
    cwd: dir,
    env: workerEnv,
    extendEnv: false,
    detached: true,
    stdio: 'ignore',
    cleanup: false,
    reject: false,
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    throw new CodemonkeysError(`cannot start a worker with ${process.execPath}`, {
      reason: 'WorkerSpawnFailed',
      next: 'transient',
    });
  }
  return { pid, token: startToken(pid) };
}
