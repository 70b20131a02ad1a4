import { setTimeout as sleep } from 'node:timers/promises';
import { Cron } from 'croner';
import Fastify from 'fastify';
import { type FleetRun, reconcile } from '../engine/reconcile.js';
import { InvalidFleetError } from '../engine/runtime.js';
import type { Logger } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import type { Clock } from '../util/clock.js';
import { registerApi } from './api/index.js';
import { Hooks } from './daemon-hooks.js';
import { Notifications } from './daemon-notifications.js';
import { registerDashboard } from './dashboard/index.js';
import { type FleetWatcher, watchFleet } from './fleet-watch.js';
import { DaemonMetrics } from './metrics.js';
import { SWEEP_EVERY_MS, sweepRetention } from './retention.js';
import { registerWebhooks } from './webhooks/routes.js';

/** Where the daemon listens unless told otherwise: loopback only. */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 7781 };

/** How long the daemon waits before reading a fleet that could not be loaded again, unless it changes first. */
const RETRY_LOAD_MS = 30_000;

export interface DaemonOptions {
  fleet: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock: Clock;
  host: string;
  /** 0: a port the system chooses (tests). */
  port: number;
  /** Aborting it stops the daemon: no new work, running actions finish, the server closes. */
  signal: AbortSignal;
  /**
   * Observe, plan and gate on every event, act never: the state is a copy in memory, and
   * nothing is written to the state file, no lease is taken (so it may run beside a reconciler).
   */
  dryRun?: boolean;
  /** How often retention sweeps (`spec.retention`); default SWEEP_EVERY_MS, hourly. */
  sweepEveryMs?: number;
}

/** A running daemon. */
export interface Daemon {
  /** `http://host:port` it listens on. */
  url: string;
  /** Resolves once the daemon has stopped: the run ended, the server closed. */
  done: Promise<void>;
}

/** What the daemon knows of its run, for the routes. */
interface DaemonState {
  run?: FleetRun;
  /** Why the fleet is not loaded (the first revision was invalid, the repo unreachable). */
  notLoaded?: string;
  /** The newest fleet revision that failed validation while an older one stays in force. */
  invalid?: { revision: string | null; message: string; inForce: string | null };
}

/**
 * `codemonkeys watch`: a reconcile run that keeps going (FleetRun in watch mode), fed by the
 * fleet repo's changes (fleet-watch.ts), a cron resync (`spec.watch.resync`), and an HTTP server
 * for health checks and the API. Stops when `signal` aborts.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const state: DaemonState = {};
  const metrics = new DaemonMetrics({ queueDepth: () => state.run?.depth ?? 0 });
  const notifications = new Notifications(options);
  const hooks = new Hooks(options);
  const app = Fastify({ logger: false });
  registerApi(app, state, { env: options.env, logger: options.logger, dryRun: options.dryRun });
  registerDashboard(app);
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
  registerWebhooks(app, {
    secret: () => hooks.secret,
    match: {
      push: (event) => hooks.matcher?.push(event) ?? { products: [], fleet: false },
      jenkins: (event) => hooks.matcher?.jenkins(event),
    },
    // A push to the fleet repo reloads the fleet (and queues every product); one to a product's
    // repository, or a finished build, queues that product at once.
    onFleetPush: () => state.run?.resync(),
    onPush: (products) => state.run?.enqueue(products),
    onJenkins: (notification) => state.run?.enqueue([notification.product]),
    onRequest: (source, result) => metrics.webhookRequest(source, result),
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  options.logger.info({ url }, 'codemonkeys watch listening');

  let wake: (() => void) | undefined;
  const watcher: FleetWatcher = watchFleet(options.fleet, {
    cwd: options.cwd,
    logger: options.logger,
    changed: () => {
      state.run?.resync();
      wake?.();
    },
  });
  let cron: Cron | undefined;
  // Retention sweeps the fleet in force at start and then hourly; a dry run removes nothing.
  let sweeps: NodeJS.Timeout | undefined;
  const sweep = async () => {
    const run = state.run;
    if (!run) return;
    try {
      const report = await sweepRetention(run.runtime, options.clock());
      if (Object.values(report).some((count) => count > 0))
        options.logger.info({ ...report }, 'retention removed old records and builds');
    } catch (error) {
      options.logger.warn({ err: error }, 'retention sweep failed');
    }
  };
  const done = (async () => {
    try {
      for (;;) {
        if (options.signal.aborted) return;
        try {
          await reconcile({
            fleet: options.fleet,
            cwd: options.cwd,
            env: options.env,
            logger: options.logger,
            clock: options.clock,
            signal: options.signal,
            dryRun: options.dryRun ?? false,
            once: false,
            maxPasses: Number.POSITIVE_INFINITY,
            onReconciled: (result, _count, durationMs) => {
              metrics.reconciled(result, durationMs / 1000);
              notifications.reconciled(result);
            },
            watch: {
              onStarted: (run) => {
                state.run = run;
                state.notLoaded = undefined;
                cron?.stop();
                cron = schedule(run, options.logger);
                notifications.started(run.runtime);
                hooks.configure(run.runtime);
                if (!options.dryRun && sweeps === undefined) {
                  void sweep();
                  sweeps = setInterval(() => void sweep(), options.sweepEveryMs ?? SWEEP_EVERY_MS);
                  sweeps.unref();
                }
              },
              onFleetLoaded: (runtime) => {
                notifications.configure(runtime);
                hooks.configure(runtime);
                state.invalid = undefined;
                options.logger.info({ revision: runtime.fleet.revision }, 'fleet revision in force');
              },
              onInvalidFleet: (error, inForce) => {
                state.invalid = { revision: error.revision, message: error.message, inForce };
                options.logger.error(
                  { revision: error.revision, inForce, problems: error.problems.length },
                  'fleet revision is invalid: not acted on, the last valid one stays in force',
                );
              },
            },
          });
          return;
        } catch (error) {
          // Not loaded at all (the first revision is invalid, the lease is held): report, retry
          // when the fleet changes or after a while.
          const message = redactor.redactText(error instanceof Error ? error.message : String(error));
          state.notLoaded = message;
          state.run = undefined;
          const level = error instanceof InvalidFleetError ? 'error' : 'warn';
          options.logger[level]({ err: message }, 'the fleet is not loaded; trying again when it changes');
          await new Promise<void>((resolve) => {
            wake = resolve;
            void sleep(RETRY_LOAD_MS, undefined, { signal: options.signal })
              .catch(() => undefined)
              .then(resolve);
          });
          wake = undefined;
        }
      }
    } finally {
      clearInterval(sweeps);
      cron?.stop();
      await notifications.close();
      await watcher.close();
      await app.close();
      options.logger.info('codemonkeys watch stopped');
    }
  })();
  options.signal.addEventListener('abort', () => wake?.(), { once: true });
  return { url, done };
}

/** `spec.watch.resync`: every product reconciled again on a cron schedule (UTC). */
function schedule(run: FleetRun, logger: Logger): Cron | undefined {
  const expression = run.runtime.fleet.fleet.manifest.spec.watch?.resync;
  if (expression === undefined) return undefined;
  return new Cron(expression, { timezone: 'UTC', protect: true }, () => {
    logger.info({ schedule: expression }, 'scheduled resync');
    run.resync();
  });
}
