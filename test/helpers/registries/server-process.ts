import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { isAlive, killGroup, type ProcessRef, selfRef } from '../../../src/util/processes.js';

/** A server process on 127.0.0.1, in a temporary folder of its own. */
export interface ServerProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The server's temporary folder (its configuration, data and `server.log`); removed by stop(). */
  dir: string;
  /** Kills the server's process group and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** What startServerProcess needs to know about one kind of server. */
export interface ServerProcessOptions {
  /** Names the server in errors: `verdaccio`. */
  name: string;
  /** Writes what the server needs into `dir` for `port`; returns its command line (program first). */
  prepare: (dir: string, port: number) => string[] | Promise<string[]>;
  /** True once `url` answers as this server does (and not as something else on the port). */
  isReady: (url: string) => Promise<boolean>;
  /** More environment than PATH, HOME (the server's folder) and LANG. */
  env?: Record<string, string>;
  /** How long the server may take to answer; default 30 s. */
  startTimeoutMs?: number;
}

const ATTEMPTS = 5;
/** In each server's folder: the test process that owns it, so a later run can remove what a killed one left. */
const OWNER_FILE = 'owner.json';
const PORT_TAKEN = /EADDRINUSE|address already in use/i;

/** Process groups of servers still running, killed when the test process exits without stopping them. */
const running = new Map<number, string>();
let exitHookInstalled = false;

/**
 * Starts a real server on a port picked now (one the kernel just handed out, then freed), in a
 * fresh temporary folder, and waits until it answers. When another process took the port in
 * between, it tries again with another. The server leads its own process group and gets SIGKILL
 * when this process dies (setpriv --pdeathsig), so a crashed or killed test run leaves none behind.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  await removeAbandoned(options.name);
  const dir = await mkdtemp(join(tmpdir(), `cm-${options.name}-`));
  try {
    await writeFile(join(dir, OWNER_FILE), JSON.stringify(selfRef()));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const argv = await options.prepare(dir, port);
      const started = await launch(options, dir, port, argv);
      if (started !== 'port-taken') return started;
      if (attempt === ATTEMPTS) throw new Error(`${options.name}: no free port after ${ATTEMPTS} attempts`);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function launch(
  options: ServerProcessOptions,
  dir: string,
  port: number,
  argv: string[],
): Promise<ServerProcess | 'port-taken'> {
  const logFile = join(dir, 'server.log');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', ...options.env };
  const child = spawnServer(argv, dir, env, logFile);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: ${argv[0]} could not be started`);
  track(pid, dir);
  const ended: { exitCode?: number | undefined; done: boolean } = { done: false };
  const exited = child.then((result) => {
    ended.done = true;
    ended.exitCode = result.exitCode;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!running.delete(pid)) return;
    await killGroup(pid, 2_000);
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const end = performance.now() + (options.startTimeoutMs ?? 30_000);
  while (!ended.done) {
    if (await options.isReady(url)) return { url, port, dir, stop };
    if (performance.now() > end) {
      await stopOnly(pid, exited);
      throw new Error(`${options.name} did not answer at ${url} in time: ${tail(logFile)}`);
    }
    await sleep(50);
  }
  running.delete(pid);
  if (PORT_TAKEN.test(readLog(logFile))) return 'port-taken';
  throw new Error(
    `${options.name} (${argv.join(' ')}) exited with ${ended.exitCode} before answering: ${tail(logFile)}`,
  );
}

/** The server as the leader of its own process group, killed by the kernel when this process dies; output to `logFile`. */
function spawnServer(argv: string[], dir: string, env: Record<string, string>, logFile: string) {
  const log = { file: logFile, append: true };
  return execa('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], {
    cwd: dir,
    env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    stdout: log,
    stderr: log,
    reject: false,
  });
}

async function stopOnly(pid: number, exited: Promise<void>): Promise<void> {
  running.delete(pid);
  await killGroup(pid, 2_000);
  await exited;
}

function track(pid: number, dir: string): void {
  running.set(pid, dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [group, folder] of running) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
      rmSync(folder, { recursive: true, force: true });
    }
  });
}

/**
 * Removes the folders of servers whose test process is gone: a worker killed by a signal runs no
 * exit hook, so its servers die (pdeathsig) but their folders stay until the next start.
 */
async function removeAbandoned(name: string): Promise<void> {
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith(`cm-${name}-`)) continue;
    const dir = join(tmpdir(), entry);
    let owner: ProcessRef;
    try {
      owner = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as ProcessRef;
    } catch {
      continue; // Not ours, or just created and not yet claimed.
    }
    if (!isAlive(owner)) await rm(dir, { recursive: true, force: true });
  }
}

/** A port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

/** The last lines a server wrote, for an error message. */
function tail(logFile: string): string {
  const lines = readLog(logFile)
    .split('\n')
    .filter((line) => line.trim() !== '');
  return lines.length > 0 ? lines.slice(-10).join(' | ') : '(no output)';
}

/** A GET of `url` that resolves to the response, or undefined when nothing answers within a second. */
export async function probe(url: string): Promise<Response | undefined> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(1_000) });
  } catch {
    return undefined;
  }
}
