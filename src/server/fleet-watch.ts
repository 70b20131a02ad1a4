import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { gitFailure, runGit } from '../backends/git/remote.js';
import type { Logger } from '../log/logger.js';

/** How long file events are gathered before the fleet is read again: an editor's save is many events. */
export const SETTLE_MS = 200;

/** How often a fleet repo given as a URL is asked for its head: a push to it is seen this long after, at most. */
export const FLEET_POLL_MS = 60_000;

/** Something that tells when the fleet repo may have changed; `close` stops it. */
export interface FleetWatcher {
  close(): Promise<void>;
}

/**
 * Calls `changed` when the fleet repo may have a new revision: for a local directory, when one of
 * its files changes (chokidar; the state folder and git's object store are not watched), for a
 * git URL when its HEAD moves (`git ls-remote`, every FLEET_POLL_MS). Events are gathered for
 * SETTLE_MS first, so a checkout of many files is one change. A push webhook to the fleet repo
 * reaches the daemon sooner; this is what notices the rest.
 */
export function watchFleet(
  fleet: string,
  options: { cwd: string; logger: Logger; changed: () => void; pollMs?: number },
): FleetWatcher {
  const dir = resolve(options.cwd, fleet);
  if (existsSync(dir)) return watchDirectory(dir, options);
  return pollRemote(fleet, options);
}

function watchDirectory(dir: string, options: { logger: Logger; changed: () => void }): FleetWatcher {
  let timer: NodeJS.Timeout | undefined;
  const settle = () => {
    clearTimeout(timer);
    timer = setTimeout(options.changed, SETTLE_MS);
  };
  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    // The reconciler's own state, and git's objects and logs, change without the fleet changing.
    ignored: (path: string) =>
      path.includes(`${sep}.codemonkeys`) ||
      path.includes(`${sep}node_modules`) ||
      /[\\/]\.git[\\/](objects|logs|index\.lock)/.test(path),
  });
  watcher.on('all', settle);
  watcher.on('error', (error) => options.logger.warn({ err: error }, 'watching the fleet repo failed'));
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

function pollRemote(
  url: string,
  options: { logger: Logger; changed: () => void; pollMs?: number },
): FleetWatcher {
  let last: string | undefined;
  const look = async () => {
    try {
      const head = await remoteHead(url);
      if (last !== undefined && head !== last) options.changed();
      last = head;
    } catch (error) {
      options.logger.warn({ err: error }, 'cannot read the head of the fleet repo');
    }
  };
  void look();
  const timer = setInterval(() => void look(), options.pollMs ?? FLEET_POLL_MS);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
    },
  };
}

/** The commit HEAD of a remote repository points at. */
async function remoteHead(url: string): Promise<string> {
  const args = ['ls-remote', '--', url, 'HEAD'];
  const result = await runGit(args, { remote: url });
  const head = /^([0-9a-f]{40})\tHEAD$/m.exec(result.stdout)?.[1];
  if (result.exitCode !== 0 || head === undefined)
    throw gitFailure(
      `cannot read the head of the fleet repo ${url}`,
      args,
      result,
      'RepoUnreachable',
      'transient',
    );
  return head;
}
