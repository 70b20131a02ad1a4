import { InvalidArgumentError } from 'commander';
import { DEFAULT_LISTEN, startDaemon } from '../server/daemon.js';
import { type CliCommand, type CommandContext, writeLine } from './context.js';

interface WatchCliOptions {
  listen: { host: string; port: number };
  dryRun?: boolean;
}

/** `codemonkeys watch`: the always-on reconciler, with its HTTP server. */
export const watchCommand: CliCommand = {
  name: 'watch',
  register(program, context) {
    program
      .command('watch')
      .description(
        'keep reconciling: every product at its interval and on a cron resync, the fleet when its repo changes; serve health and the API',
      )
      .option(
        '--listen <host:port>',
        `where the HTTP server listens (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}, loopback only)`,
        parseListen,
        DEFAULT_LISTEN,
      )
      .option('--dry-run', 'observe, plan and gate on every event; never act, never write the state file')
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys watch --dry-run
  $ codemonkeys watch
  $ codemonkeys watch --listen 0.0.0.0:7781

SIGTERM or Ctrl-C: no new work is taken, running actions finish, then it exits 0.`,
      )
      .action((options: WatchCliOptions) => runWatch(context, options));
  },
};

async function runWatch(context: CommandContext, options: WatchCliOptions): Promise<void> {
  const { io } = context;
  const stop = new AbortController();
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal does not wait: a deploy's worker runs on, and the next start adopts it.
    if (signalled) process.exit(signal === 'SIGINT' ? 130 : 143);
    signalled = true;
    writeLine(io.stderr, `codemonkeys: ${signal}: stopping once what runs has finished (again to stop now)`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const daemon = await startDaemon({
      fleet: context.globals().fleet,
      cwd: io.cwd,
      env: io.env,
      logger: context.logger(),
      clock: io.clock,
      host: options.listen.host,
      port: options.listen.port,
      signal: stop.signal,
      dryRun: Boolean(options.dryRun),
    });
    writeLine(io.stdout, `codemonkeys watch: listening on ${daemon.url}`);
    await daemon.done;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  context.exitCode = 0;
}

/** `host:port`, `[v6]:port`, or `:port` (loopback). */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65_535)
    throw new InvalidArgumentError('expected host:port, such as 127.0.0.1:7781');
  return { host: match[1] ?? (match[2] || DEFAULT_LISTEN.host), port };
}
