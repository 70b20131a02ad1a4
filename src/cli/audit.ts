import { InvalidArgumentError, Option } from 'commander';
import { type AuditOptions, findStatePath, runAudit } from './audit-report.js';
import type { CliCommand } from './context.js';

/** `codemonkeys audit`: the hash-chained audit log of the fleet's state store; `--verify` checks the chain. */
export const auditCommand: CliCommand = {
  name: 'audit',
  register(program, context) {
    program
      .command('audit')
      .description('list the audit log of the state store (oldest first), or verify its hash chain')
      .option('--product <id>', 'only entries of this product (org/name)')
      .option('--limit <n>', 'only the newest N entries', parseLimit)
      .option('--verify', 'recompute the hash chain of the whole log; exit 1 at the first broken entry')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .addHelpText(
        'after',
        '\nExamples:\n  $ codemonkeys audit --verify\n  $ codemonkeys audit --product acme/widget --limit 20',
      )
      .action(async (options: AuditOptions) => {
        const { fleet } = context.globals();
        const path = await findStatePath(fleet, context.io.cwd, context.io.env, context.io.clock());
        context.logger().debug({ command: 'audit', state: path }, 'reading the audit log');
        context.exitCode = runAudit(path, options, context.io);
      });
  },
};

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidArgumentError(`expected a whole number of entries, 1 or more; got '${value}'`);
  }
  return limit;
}
