import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { buildPullRequestView } from '../engine/pull-request.js';
import { renderPlanMarkdown, renderPullRequestMarkdown } from '../engine/render/markdown.js';
import { renderPlanText } from '../engine/render/text.js';
import { openRuntime } from '../engine/runtime.js';
import { computePlan } from '../engine/whole-plan.js';
import { UsageError } from '../errors.js';
import { type CliCommand, type CommandContext, writeJson, writeLine } from './context.js';
import { addProductOption, withFleetProblems } from './engine-options.js';

interface PlanOptions {
  product?: string;
  format: 'text' | 'markdown' | 'json';
  out?: string;
  detailedExitcode?: boolean;
  rev?: string;
  base?: string;
  head?: string;
  refresh: boolean;
  at?: Date;
}

/** `codemonkeys plan`: what a reconcile would do now, gated, executing nothing; or a pull request's view. */
export const planCommand: CliCommand = {
  name: 'plan',
  register(program, context) {
    const command = program
      .command('plan')
      .description('observe, diff and gate: show what the reconciler would do, without doing it')
      .addOption(
        new Option('--format <format>', 'output format')
          .choices(['text', 'markdown', 'json'])
          .default('text'),
      )
      .option('--out <file>', 'also save the plan as JSON, for `apply --plan FILE`')
      .option(
        '--detailed-exitcode',
        'exit 0 when there are no changes, 2 when there are, 1 on error (as tofu plan)',
      )
      .option('--rev <revision>', 'plan the fleet repo at this git revision')
      .option('--base <revision>', 'pull-request view: the base revision (with --head)')
      .option('--head <revision>', 'pull-request view: the head revision (with --base)')
      .option(
        '--at <time>',
        "gate as if it were this moment (RFC 3339, e.g. 2026-12-04T18:00:00+01:00): the constitution's schedules and exceptions at another time; only the verdicts change",
        parseMoment,
      )
      .option(
        '--no-refresh',
        'plan from the observations cached by the last reconcile instead of observing again',
      )
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys plan
  $ codemonkeys plan --product acme/widget --format json --out plan.json
  $ codemonkeys plan --at 2026-12-05T12:00:00+01:00        # what would be denied on Saturday noon?
  $ codemonkeys plan --base origin/main --head HEAD --format markdown > comment.md`,
      )
      .action((options: PlanOptions) => withFleetProblems(context, () => runPlan(context, options)));
    addProductOption(command);
  },
};

async function runPlan(context: CommandContext, options: PlanOptions): Promise<void> {
  const { fleet } = context.globals();
  const { io } = context;
  if ((options.base === undefined) !== (options.head === undefined))
    throw new UsageError('--base and --head go together');
  if (options.base !== undefined && options.head !== undefined) {
    const view = await buildPullRequestView({
      fleet,
      base: options.base,
      head: options.head,
      cwd: io.cwd,
      env: io.env,
      logger: context.logger(),
      now: options.at ?? io.clock(),
    });
    if (options.format === 'json')
      writeJson(
        io.stdout,
        JSON.stringify(view, (key, value) => (key === 'sources' ? undefined : value), 2),
      );
    else writeLine(io.stdout, renderPullRequestMarkdown(view, { base: options.base, head: options.head }));
    if (options.out && view.headPlan)
      await writeFile(resolve(io.cwd, options.out), `${JSON.stringify(view.headPlan, null, 2)}\n`);
    const headValid = view.head.result.fleet !== undefined;
    context.exitCode = !headValid
      ? 1
      : options.detailedExitcode && (view.headPlan?.actions.length ?? 0) > 0
        ? 2
        : 0;
    return;
  }
  const runtime = await openRuntime({
    fleet,
    rev: options.rev,
    cwd: io.cwd,
    env: io.env,
    logger: context.logger(),
    readOnly: true,
    clock: io.clock,
  });
  try {
    const { plan } = await computePlan({
      runtime,
      dryRun: true,
      product: options.product,
      cachedObservations: !options.refresh,
      now: options.at ?? io.clock(),
    });
    if (options.out) await writeFile(resolve(io.cwd, options.out), `${JSON.stringify(plan, null, 2)}\n`);
    if (options.format === 'json') writeJson(io.stdout, JSON.stringify(plan, null, 2));
    else
      writeLine(io.stdout, options.format === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan));
    context.exitCode = options.detailedExitcode && plan.actions.length > 0 ? 2 : 0;
  } finally {
    runtime.store.close();
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** `--at`: a moment with its offset, so that it means the same in every time zone. */
function parseMoment(value: string): Date {
  const at = RFC3339.test(value) ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw new InvalidArgumentError(
      `expected an RFC 3339 time with its offset, such as 2026-12-05T12:00:00+01:00 or 2026-12-05T11:00:00Z; found '${value}'`,
    );
  return at;
}
