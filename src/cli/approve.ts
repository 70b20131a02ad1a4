import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { loadFleet } from '../fleet/load.js';
import { statePath } from '../store/location.js';
import { openStore } from '../store/sqlite.js';
import { type CliCommand, type CommandContext, writeLine } from './context.js';

const ACTION_ID = /^[0-9a-f]{16}$/;
const PLAN_ID = /^[0-9a-f]{64}$/;

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
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys approve 3f9a1c0d2b4e6a81 --by alice --reason "planned maintenance"
  $ codemonkeys approve $(codemonkeys plan --format json | jq -r .id) --by alice`,
      )
      .action((id: string, options: { by: string; reason?: string }) => runApprove(context, id, options));
  },
};

async function runApprove(
  context: CommandContext,
  id: string,
  options: { by: string; reason?: string },
): Promise<void> {
  if (!ACTION_ID.test(id) && !PLAN_ID.test(id))
    throw new UsageError(`'${id}' is neither an action id (16 hex digits) nor a plan id (64 hex digits)`);
  if (options.by.trim() === '') throw new UsageError('--by names who approves');
  const { io } = context;
  const fleetDir = resolve(io.cwd, context.globals().fleet);
  const loaded = await loadFleet({ fleet: fleetDir, cwd: io.cwd, env: io.env, now: io.clock() });
  const path = statePath(fleetDir, loaded.fleet?.fleet.manifest.spec.state?.sqlite, io.env);
  const approvers = new Set([
    ...(loaded.fleet?.fleet.manifest.spec.orgs.flatMap((org) => org.approvers ?? []) ?? []),
    ...(loaded.fleet?.constitution.manifest.spec.rules?.flatMap((rule) => rule.approvers ?? []) ?? []),
  ]);
  if (loaded.fleet && !approvers.has(options.by)) {
    writeLine(
      io.stderr,
      `warning: ${options.by} is not an approver of any rule or org; the approval is recorded but will not count`,
    );
  }
  const store = openStore(path);
  try {
    store.addApproval({
      target: id,
      by: options.by,
      reason: options.reason ?? null,
      at: io.clock().toISOString(),
    });
  } finally {
    store.close();
  }
  writeLine(io.stdout, `approved ${PLAN_ID.test(id) ? 'plan' : 'action'} ${id} by ${options.by}`);
}
