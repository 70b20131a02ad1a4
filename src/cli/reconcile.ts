import { InvalidArgumentError } from 'commander';
import { reconcile, reconcileExitCode } from '../engine/reconcile.js';
import { renderPlanText } from '../engine/render/text.js';
import { type CliCommand, type CommandContext, writeLine } from './context.js';
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
  const result = await reconcile({
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
  });
  if (text) {
    if (options.dryRun) io.stdout.write(renderPlanText(result.plan));
    else {
      const s = result.plan.summary;
      writeLine(
        io.stdout,
        `\n${result.converged ? 'converged' : 'not converged'}: ${s.actions} action${s.actions === 1 ? '' : 's'} left, ${s.runnable} runnable, ${s.blocked} blocked (each product reconciled at most ${result.passes} time${result.passes === 1 ? '' : 's'})`,
      );
      for (const each of result.gaveUp)
        writeLine(
          io.stdout,
          `gave up on ${each.product} for this run after ${each.tries} tries: ${each.message}`,
        );
      printConditions(io.stdout, result.conditions);
    }
  } else {
    writeLine(
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
  context.exitCode = reconcileExitCode(result, {
    once: Boolean(options.once),
    dryRun: Boolean(options.dryRun),
  });
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a whole number of 1 or more');
  return number;
}
