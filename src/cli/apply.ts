import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { leaseOwner, takeLease } from '../engine/lease.js';
import type { Plan } from '../engine/plan-model.js';
import { renderPlanText } from '../engine/render/text.js';
import { openRuntime } from '../engine/runtime.js';
import { applyPlan, computePlan } from '../engine/whole-plan.js';
import { UsageError } from '../errors.js';
import { type CliCommand, type CommandContext, writeLine } from './context.js';
import { withFleetProblems } from './engine-options.js';
import { printExecuted } from './print-run.js';

interface ApplyOptions {
  plan?: string;
  autoApprove?: boolean;
}

/** `codemonkeys apply`: carry out a plan once; a saved plan only if planning again gives the same one. */
export const applyCommand: CliCommand = {
  name: 'apply',
  register(program, context) {
    program
      .command('apply')
      .description('execute the plan once (one pass); a saved plan is refused when it is stale')
      .option('--plan <file>', 'a plan saved with `plan --out FILE`')
      .option('--auto-approve', 'do not ask for confirmation (needed when not on a terminal)')
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys plan --out plan.json && codemonkeys apply --plan plan.json
  $ codemonkeys apply --auto-approve`,
      )
      .action((options: ApplyOptions) => withFleetProblems(context, () => runApply(context, options)));
  },
};

async function runApply(context: CommandContext, options: ApplyOptions): Promise<void> {
  const { io } = context;
  const saved = options.plan ? await readSavedPlan(resolve(io.cwd, options.plan)) : undefined;
  if (!saved && !options.autoApprove && !process.stdin.isTTY) {
    throw new UsageError(
      'apply asks for confirmation on a terminal; pass --auto-approve to apply without one',
    );
  }
  const open = (readOnly: boolean) =>
    openRuntime({
      fleet: context.globals().fleet,
      cwd: io.cwd,
      env: io.env,
      logger: context.logger(),
      readOnly,
      clock: io.clock,
    });
  let expectPlanId = saved?.id;
  if (expectPlanId === undefined) {
    // Until the user says yes, the state is only read: the plan is shown from a read-only runtime.
    const preview = await open(true);
    try {
      const { plan } = await computePlan({ runtime: preview, dryRun: false, now: io.clock() });
      writeLine(io.stdout, renderPlanText(plan));
      if (plan.actions.length === 0) return;
      if (!options.autoApprove && !(await confirm(context))) {
        writeLine(io.stdout, 'Apply cancelled: nothing was done.');
        context.exitCode = 1;
        return;
      }
      expectPlanId = plan.id;
    } finally {
      preview.store.close();
    }
  }
  const runtime = await open(false);
  const runId = leaseOwner();
  try {
    const leftRunning = takeLease(runtime, runId, io.clock());
    const result = await applyPlan({ runtime, runId, expectPlanId, leftRunning, now: io.clock() });
    printExecuted(io.stdout, result.executed);
    context.exitCode = result.executed.some((action) => action.outcome === 'failed') ? 1 : 0;
  } finally {
    runtime.store.releaseLease(runId);
    runtime.store.close();
  }
}

async function readSavedPlan(path: string): Promise<Plan> {
  let plan: Plan;
  try {
    plan = JSON.parse(await readFile(path, 'utf8')) as Plan;
  } catch (error) {
    throw new UsageError(`cannot read the saved plan ${path}: ${(error as Error).message}`, error);
  }
  if (typeof plan?.id !== 'string' || !Array.isArray(plan.actions))
    throw new UsageError(`${path} is not a plan saved by \`codemonkeys plan --out\``);
  return plan;
}

async function confirm(context: CommandContext): Promise<boolean> {
  const input = process.stdin;
  const rl = createInterface({ input, output: context.io.stdout });
  try {
    return (await rl.question('Apply this plan? Only "yes" is accepted: ')).trim() === 'yes';
  } finally {
    rl.close();
  }
}
