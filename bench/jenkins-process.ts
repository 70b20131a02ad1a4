import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { type JenkinsEmulatorOptions, startJenkinsEmulator } from '../test/emulators/jenkins/index.js';

/**
 * The emulated Jenkins in a process of its own, for the benchmark: a real Jenkins is another
 * program, and its builds' process spawns block the event loop that makes them; in the client's
 * process they would be billed to the client, and the client's work to the builds. Both runs of
 * the benchmark get the same. The child asks nothing of the parent and goes away with it (IPC
 * disconnect). Messages: `count` (requests received since the last `reset`), `reset`, `stop`.
 */
export interface JenkinsProcess {
  url: string;
  requestCount(): Promise<number>;
  resetRequestLog(): Promise<void>;
  stop(): Promise<void>;
}

type Request = 'count' | 'reset' | 'stop';

export async function startJenkinsProcess(options: JenkinsEmulatorOptions): Promise<JenkinsProcess> {
  const child = fork(new URL(import.meta.url), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...jenkinsDisk(), CODEMONKEYS_BENCH_JENKINS: JSON.stringify(options) },
  });
  const [started] = (await once(child, 'message')) as [{ url: string }];
  const ask = async (request: Request): Promise<number> => {
    child.send(request);
    const [answer] = (await once(child, 'message')) as [number];
    return answer;
  };
  return {
    url: started.url,
    requestCount: () => ask('count'),
    resetRequestLog: async () => {
      await ask('reset');
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exit = once(child, 'exit');
      child.send('stop');
      await exit;
    },
  };
}

/**
 * The emulator's JENKINS_HOME (its builds' workspaces) in memory where the machine has a tmpfs: a
 * real Jenkins keeps its disk to itself, on its own machine. Here, 200 clones a run written and
 * removed on the disk the reconciler's state and the product repos share made every later run
 * slower than the one before (builds' median 145 ms, then 180, 190, 210 over a process's runs).
 */
function jenkinsDisk(): NodeJS.ProcessEnv {
  return existsSync('/dev/shm') ? { TMPDIR: '/dev/shm' } : {};
}

async function serve(): Promise<void> {
  const options = JSON.parse(process.env.CODEMONKEYS_BENCH_JENKINS ?? '{}') as JenkinsEmulatorOptions;
  const jenkins = await startJenkinsEmulator(options);
  const stop = (): void => {
    void jenkins.stop().finally(() => process.exit(0));
  };
  process.on('disconnect', stop);
  process.on('message', (request: Request) => {
    if (request === 'count') process.send?.(jenkins.requests.length);
    else if (request === 'reset') {
      jenkins.resetRequestLog();
      process.send?.(0);
    } else stop();
  });
  process.send?.({ url: jenkins.url });
}

if (process.argv.includes('--serve') && process.send) await serve();
