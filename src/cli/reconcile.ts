import { InvalidArgumentError } from 'commander';
import { reconcile, reconcileExitCode } from '../engine/reconcile.js';
import { renderPlanText } from '../engine/render/text.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { type CliCommand, type CommandContext, writeJson, writeLine } from './context.js';
import { addProductOption, withFleetProblems } from './engine-options.js';
import { printConditions, printExecuted } from './print-run.js';

interface ReconcileCliOptions {
  dryRun?: boolean;
  once?: boolean;
  product?: string;
  maxPasses: number;
  format: 'text' | 'json';
}

/** `codemonkeys reconcile`: the loop, until the fleet converges (or one pass, or a dry run). */
export const reconcileCommand: CliCommand = {
  name: 'reconcile',
  register(program, context) {
    const command = program
      .command('reconcile')
      .description('observe, plan, gate and act until the plan is empty or only blocked actions remain')
      .option('--dry-run', 'observe, plan and gate; never execute, never write state')
      .option('--once', 'reconcile every product once, then stop')
      .option('--max-passes <n>', 'reconcile no product more often than this', positiveInteger, 200)
      .option(
        '--format <format>',
        'text or json (what is left as a plan, executed actions, conditions)',
        'text',
      )
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys reconcile --dry-run
  $ codemonkeys reconcile
  $ codemonkeys reconcile --once --product acme/widget`,
      )
      .action((options: ReconcileCliOptions) =>
        withFleetProblems(context, () => runReconcile(context, options)),
      );
    addProductOption(command);
  },
};

async function runReconcile(context: CommandContext, options: ReconcileCliOptions): Promise<void> {
  const { io } = context;
  const text = options.format !== 'json';
  // SIGTERM and SIGINT stop the run gracefully: nothing new starts, what runs finishes (a build's
  // worker runs on, for the next run to adopt), then the exit code says which signal (143, 130).
  // A second signal does not wait.
  const stop = new AbortController();
  let signalled: keyof typeof SIGNAL_EXIT | undefined;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT) => {
    if (signalled !== undefined) process.exit(SIGNAL_EXIT[signal]);
    signalled = signal;
    writeLine(io.stderr, `codemonkeys: ${signal}: stopping once what runs has finished (again to stop now)`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const result = await reconcile({
    signal: stop.signal,
    fleet: context.globals().fleet,
    cwd: io.cwd,
    env: io.env,
    logger: context.logger(),
    clock: io.clock,
    dryRun: Boolean(options.dryRun),
    once: Boolean(options.once),
    product: options.product,
    maxPasses: options.maxPasses,
    onReconciled: (product) => {
      if (text) printExecuted(io.stdout, product.executed);
    },
  }).finally(() => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  });
  if (text) {
    if (options.dryRun) writeLine(io.stdout, renderPlanText(result.plan));
    else {
      const s = result.plan.summary;
      writeLine(
        io.stdout,
        `\n${result.stopped ? 'stopped' : result.converged ? 'converged' : 'not converged'}: ${s.actions} action${s.actions === 1 ? '' : 's'} left, ${s.runnable} runnable, ${s.blocked} blocked (each product reconciled at most ${result.passes} time${result.passes === 1 ? '' : 's'})`,
      );
      for (const each of result.gaveUp)
        writeLine(
          io.stdout,
          `gave up on ${terminalSafe(each.product)} for this run after ${each.tries} tries: ${terminalSafe(each.message)}`,
        );
      printConditions(io.stdout, result.conditions);
    }
  } else {
    writeJson(
      io.stdout,
      JSON.stringify(
        {
          runId: result.runId,
          passes: result.passes,
          converged: result.converged,
          gaveUp: result.gaveUp,
          plan: result.plan,
          executed: result.executed,
          conditions: Object.fromEntries(result.conditions),
        },
        null,
        2,
      ),
    );
  }
  const mode = { once: Boolean(options.once), dryRun: Boolean(options.dryRun) };
  context.exitCode = signalled ? SIGNAL_EXIT[signalled] : reconcileExitCode(result, mode);
}

/** 128 + the signal's number, as a shell reports a process the signal ended. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a whole number of 1 or more');
  return number;
}
