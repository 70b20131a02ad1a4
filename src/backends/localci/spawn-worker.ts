import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { CodemonkeysError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../paths.js';
import { type ProcessRef, startToken } from './processes.js';

/** Variables of the reconciler's environment a worker keeps: enough for git and node, no more. */
const WORKER_ENV = /^(PATH|HOME|LANG|LC_ALL|TMPDIR|SSH_AUTH_SOCK|GIT_[A-Z_]+)$/;

/**
 * The compiled worker script. Beside this module when running from dist/; when this module is
 * TypeScript (tests run src/ directly) the worker is taken from the package's dist/.
 */
export function workerScript(): string {
  if (import.meta.url.endsWith('.js')) {
    const own = fileURLToPath(new URL('./worker.js', import.meta.url));
    if (existsSync(own)) return own;
  }
  const built = join(PACKAGE_ROOT, 'dist', 'backends', 'localci', 'worker.js');
  if (existsSync(built)) return built;
  throw new CodemonkeysError(`the local CI worker is not built (${built} is missing): run npm run build`, {
    reason: 'WorkerNotBuilt',
    next: 'stalled',
  });
}

/**
 * Starts the worker for a build directory in its own session, detached from the reconciler,
 * so that the build goes on when the reconciler exits or is killed.
 */
export function spawnWorker(buildDir: string, env: NodeJS.ProcessEnv = process.env): ProcessRef {
  const workerEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && WORKER_ENV.test(name)) workerEnv[name] = value;
  }
  const child = execa(process.execPath, [workerScript(), buildDir], {
    cwd: buildDir,
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
    throw new CodemonkeysError(`cannot start the local CI worker with ${process.execPath}`, {
      reason: 'WorkerSpawnFailed',
      next: 'transient',
    });
  }
  return { pid, token: startToken(pid) };
}
