import { Option } from 'commander';
import {
  branchOf,
  commitFile,
  commitFileToBranch,
  commitIdentity,
  type GitIdentity,
} from '../backends/git/commit-file.js';
import type { Product } from '../fleet/model.js';
import { type PinChange, unifiedDiff } from '../fleet/pin-versions.js';
import { redactor } from '../log/redact.js';
import { type CliCommand, type CommandContext, writeJson, writeLine } from './context.js';
import { withFleetProblems } from './engine-options.js';
import { type CommitTarget, planRollback, type RollbackPlan } from './rollback-plan.js';

interface RollbackOptions {
  to: string;
  dryRun?: boolean;
  environment?: string[];
  format: 'text' | 'json';
}

/** What `rollback --format json` prints. */
export interface RollbackReport {
  product: string;
  version: string;
  /** The environments the commit pins (none when every chosen one was already there). */
  environments: { name: string; from: string; to: string }[];
  /** The fleet repo commit that pins them; null for a dry run or when nothing changed. */
  commit: string | null;
  dryRun: boolean;
}

/**
 * `codemonkeys rollback`: pins a product's deploy environments to an earlier release by a commit
 * to the fleet repo, which the reconciler then deploys like any change, gated by the constitution.
 */
export const rollbackCommand: CliCommand = {
  name: 'rollback',
  register(program, context) {
    program
      .command('rollback')
      .argument('<product>', 'the product (org/name)')
      .description(
        "pin a product's deploy environments to a release by a commit to the fleet repo; the reconciler deploys it",
      )
      .requiredOption('--to <version>', 'the release to go back to (1.4.0 or v1.4.0): a tag of the product')
      .option('--environment <name>', 'only this environment (repeat for several; default: all)', collect)
      .option('--dry-run', 'print the change as a diff of the manifest and change nothing')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys rollback acme/widget --to 1.3.0 --dry-run
  $ codemonkeys rollback acme/widget --to v1.3.0 --environment prod
  $ codemonkeys --fleet https://git.example.com/acme/fleet.git rollback acme/widget --to 1.3.0`,
      )
      .action((product: string, options: RollbackOptions) =>
        withFleetProblems(context, () => runRollback(context, product, options)),
      );
  },
};

async function runRollback(
  context: CommandContext,
  productId: string,
  options: RollbackOptions,
): Promise<void> {
  const plan = await planRollback(context, productId, options.to, options.environment ?? []);
  const { io } = context;
  const { product, version, pin } = plan;
  const report: RollbackReport = {
    product: product.id,
    version,
    environments: pin.changes.map(({ environment, from, to }) => ({ name: environment, from, to })),
    commit: null,
    dryRun: Boolean(options.dryRun),
  };
  const text = options.format === 'text';
  if (pin.changes.length > 0 && !options.dryRun) report.commit = await commitRollback(context, plan);
  if (!text) writeJson(io.stdout, JSON.stringify(report, null, 2));
  else if (pin.changes.length === 0)
    writeLine(
      io.stdout,
      `${product.id}: ${pin.unchanged.join(', ')} already at ${version}: nothing to change`,
    );
  else if (report.commit === null) {
    writeLine(io.stdout, unifiedDiff(product.file, plan.before, pin.text));
    writeLine(
      io.stdout,
      'dry run: nothing was changed; without --dry-run this is committed to the fleet repo',
    );
  } else {
    writeLine(io.stdout, `${product.id}: pinned to ${version}`);
    for (const each of pin.changes)
      writeLine(io.stdout, `  ${each.environment.padEnd(12)} ${each.from} → ${each.to}`);
    for (const name of pin.unchanged) writeLine(io.stdout, `  ${name.padEnd(12)} already at ${version}`);
    writeLine(io.stdout, `committed ${report.commit.slice(0, 12)} (${product.file})`);
    writeLine(io.stdout, await whereItWent(plan.target, io.env));
  }
}

/** Commits the pinned manifest (and pushes it, for a fleet repo read from a URL); returns the commit id. */
async function commitRollback(context: CommandContext, plan: RollbackPlan): Promise<string> {
  const { io } = context;
  const { target, product, version, pin } = plan;
  const identity = await commitIdentity(target.kind === 'work-tree' ? target.dir : target.gitDir, io.env);
  const change = {
    path: product.file,
    content: pin.text,
    message: commitMessage(product, version, pin.changes, pin.unchanged, identity),
    identity,
    date: io.clock(),
    env: io.env,
  };
  if (target.kind === 'work-tree') return commitFile(target.dir, change);
  return commitFileToBranch({ ...change, ...target, base: plan.fleet.revision as string });
}

function commitMessage(
  product: Product,
  version: string,
  changes: readonly PinChange[],
  unchanged: readonly string[],
  identity: GitIdentity & { configured: boolean },
): string {
  const names = changes.map((change) => change.environment).join(', ');
  const by = identity.configured ? `, run by ${identity.name} <${identity.email}>` : '';
  return [
    `rollback(${product.id}): pin ${names} to ${version}`,
    '',
    `Made by \`codemonkeys rollback ${product.id} --to ${version}\`${by}.`,
    'Versions before this commit:',
    ...changes.map((change) => `- ${change.environment}: ${change.from}`),
    ...(unchanged.length > 0
      ? ['', `Already at ${version}, left as they were: ${unchanged.join(', ')}`]
      : []),
    '',
  ].join('\n');
}

/** Where the commit is now, and what it takes for the reconciler to deploy it. */
async function whereItWent(target: CommitTarget, env: NodeJS.ProcessEnv): Promise<string> {
  if (target.kind !== 'work-tree') {
    const where = target.kind === 'remote' ? redactor.redactText(target.pushUrl) : target.gitDir;
    return `${target.kind === 'remote' ? 'pushed' : 'committed'} to ${target.branch} of ${where}: the reconciler deploys it on its next pass, gated by the constitution`;
  }
  const { branch, upstream } = await branchOf(target.dir, env);
  const on = branch ? `on ${branch}` : 'on a detached HEAD';
  if (upstream === undefined)
    return `the commit is ${on} in ${target.dir}: a reconciler reading this work tree deploys it on its next pass, gated by the constitution`;
  return `the commit is local, ${on}, not pushed: push it (git push, or a branch and a pull request to ${upstream}) for a reviewer to see it and a reconciler reading ${upstream} to deploy it`;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
