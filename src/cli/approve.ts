import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { approvalTargetKind, fleetApprovers, notATarget, recordApproval } from '../engine/approvals.js';
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/load.js';
import { statePath } from '../store/location.js';
import { openStore } from '../store/sqlite.js';
import { type CliCommand, type CommandContext, writeLine } from './context.js';

/** `codemonkeys approve`: an attributed approval of one action or one whole plan, bound to its content. */
export const approveCommand: CliCommand = {
  name: 'approve',
  register(program, context) {
    program
      .command('approve')
      .argument(
        '<id>',
        'an action id (16 hex digits) or a plan id (64 hex digits), as plan and the PR comment show them',
      )
      .description(
        'approve an action or a plan; a changed action or plan has a new id and needs a new approval',
      )
      .requiredOption('--by <who>', 'who approves (must be one of the approvers the rule names)')
      .option('--reason <text>', 'why, for the audit log')
      .option(
        '--plan <file>',
        'with a plan id: the plan saved with `plan --out FILE`, so that `reconcile` knows its actions',
      )
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys approve 3f9a1c0d2b4e6a81 --by alice --reason "planned maintenance"
  $ codemonkeys plan --out plan.json
  $ codemonkeys approve $(jq -r .id plan.json) --plan plan.json --by alice`,
      )
      .action((id: string, options: ApproveOptions) => runApprove(context, id, options));
  },
};

interface ApproveOptions {
  by: string;
  reason?: string;
  plan?: string;
}

async function runApprove(context: CommandContext, id: string, options: ApproveOptions): Promise<void> {
  const kind = approvalTargetKind(id);
  if (kind === undefined) throw new UsageError(notATarget(id));
  if (options.by.trim() === '') throw new UsageError('--by names who approves');
  const { io } = context;
  const plan = options.plan === undefined ? undefined : await readPlanOf(resolve(io.cwd, options.plan), id);
  const fleetDir = resolve(io.cwd, context.globals().fleet);
  const loaded = await loadFleet({ fleet: fleetDir, cwd: io.cwd, env: io.env, now: io.clock() });
  const path = statePath(fleetDir, loaded.fleet?.fleet.manifest.spec.state?.sqlite, io.env);
  if (loaded.fleet && !fleetApprovers(loaded.fleet).has(options.by)) {
    writeLine(
      io.stderr,
      `warning: ${options.by} is not an approver of any rule or org; the approval is recorded but will not count`,
    );
  }
  const store = openStore(path);
  try {
    // `reconcile` works product by product: an approval of a plan counts for the actions of a plan the state holds.
    if (!plan && kind === 'plan' && store.plan(id) === undefined) {
      writeLine(
        io.stderr,
        `warning: the state does not hold plan ${id.slice(0, 16)}: \`apply --plan FILE\` honours this approval, \`reconcile\` only with --plan FILE (saved by \`plan --out FILE\`)`,
      );
    }
    const approval = {
      target: id,
      by: options.by,
      reason: options.reason ?? null,
      at: io.clock().toISOString(),
    };
    recordApproval(store, approval, plan);
  } finally {
    store.close();
  }
  writeLine(io.stdout, `approved ${kind} ${id} by ${options.by}`);
}

/** The plan saved in `path`, which must be the plan `id` names. */
async function readPlanOf(path: string, id: string): Promise<unknown> {
  if (approvalTargetKind(id) !== 'plan')
    throw new UsageError('--plan goes with a plan id (64 hex digits), not an action id');
  let plan: { id?: unknown; actions?: unknown };
  try {
    plan = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the saved plan ${path}: ${(error as Error).message}`, error);
  }
  if (typeof plan?.id !== 'string' || !Array.isArray(plan.actions))
    throw new UsageError(`${path} is not a plan saved by \`codemonkeys plan --out\``);
  if (plan.id !== id)
    throw new UsageError(`${path} holds plan ${plan.id.slice(0, 16)}, not ${id.slice(0, 16)}`);
  return plan;
}
