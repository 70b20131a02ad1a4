import { InvalidArgumentError } from 'commander';
import { contextOf } from '../engine/product.js';
import { reconcile, reconcileExitCode } from '../engine/reconcile.js';
import { openRuntime } from '../engine/runtime.js';
import { CodemonkeysError } from '../errors.js';
import { observeRelease, type ReleaseObservation } from '../facets/release/observe.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { type CliCommand, type CommandContext, writeJson, writeLine } from './context.js';
import { withFleetProblems } from './engine-options.js';
import { printConditions, printExecuted } from './print-run.js';

interface ReleaseCliOptions {
  dryRun?: boolean;
  format: 'text' | 'json';
}

/**
 * `codemonkeys release <product>`: the next version, its notes and the commits that decided it;
 * then, unless `--dry-run`, the product is reconciled, so the release is cut and published as
 * any reconcile would (waiting for its build, gated by the constitution, journaled).
 */
export const releaseCommand: CliCommand = {
  name: 'release',
  register(program, context) {
    program
      .command('release')
      .description('show the next version of a product, its notes and why; then cut and publish it')
      .argument('<product>', 'the product, org/name')
      .option('--dry-run', 'show the next release only; touch nothing')
      .option('--format <format>', 'text or json', formatOption, 'text')
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys release acme/widget --dry-run
  $ codemonkeys release acme/widget --dry-run --format json
  $ codemonkeys release acme/widget`,
      )
      .action((product: string, options: ReleaseCliOptions) =>
        withFleetProblems(context, () => runRelease(context, product, options)),
      );
  },
};

/** What `release --format json` prints (and the text shows). */
export interface ReleasePreview {
  product: string;
  current: string | null;
  next: string | null;
  tag: string | null;
  bump: string | null;
  why: string;
  commits: { sha: string; subject: string; bump: string | null }[];
  ignored: { sha: string; subject: string; why: string }[];
  notes: string | null;
}

async function runRelease(context: CommandContext, id: string, options: ReleaseCliOptions): Promise<void> {
  const { io } = context;
  const preview = await previewRelease(context, id);
  if (options.format === 'json' && options.dryRun) {
    writeJson(io.stdout, JSON.stringify(preview, null, 2));
    return;
  }
  if (options.format === 'text') printPreview(io.stdout, preview);
  if (options.dryRun) return;
  const result = await reconcile({
    fleet: context.globals().fleet,
    cwd: io.cwd,
    env: io.env,
    logger: context.logger(),
    clock: io.clock,
    dryRun: false,
    once: false,
    product: id,
    maxPasses: 200,
    onReconciled: (product) => {
      if (options.format === 'text') printExecuted(io.stdout, product.executed);
    },
  });
  if (options.format === 'json') {
    writeJson(
      io.stdout,
      JSON.stringify(
        { ...preview, executed: result.executed, conditions: Object.fromEntries(result.conditions) },
        null,
        2,
      ),
    );
  } else {
    printConditions(io.stdout, result.conditions);
  }
  context.exitCode = reconcileExitCode(result, { once: false, dryRun: false });
}

/** Observes the product's release facet alone, read-only (the state is opened read-only, nothing is written). */
async function previewRelease(context: CommandContext, id: string): Promise<ReleasePreview> {
  const { io } = context;
  const runtime = await openRuntime({
    fleet: context.globals().fleet,
    cwd: io.cwd,
    env: io.env,
    logger: context.logger(),
    readOnly: true,
    clock: io.clock,
  });
  try {
    const product = runtime.fleet.products.get(id);
    if (!product)
      throw new CodemonkeysError(`no product ${id} in the fleet`, {
        reason: 'UnknownProduct',
        next: 'stalled',
      });
    if (!product.manifest.spec.release) {
      throw new CodemonkeysError(`${id} has no spec.release block: it is not released`, {
        reason: 'NotReleased',
        next: 'stalled',
      });
    }
    const observed = await observeRelease(product, { ...contextOf(runtime), now: io.clock() });
    return previewOf(id, observed);
  } finally {
    runtime.store.close();
  }
}

function previewOf(product: string, observed: ReleaseObservation): ReleasePreview {
  return {
    product,
    current: observed.latest?.version ?? null,
    next: observed.cut?.version ?? null,
    tag: observed.cut?.tag ?? null,
    bump: observed.next.bump,
    why: observed.next.why,
    commits: observed.commits.map((commit) => ({
      sha: commit.sha,
      subject: commit.subject,
      bump: commit.bump,
    })),
    ignored: observed.ignored.map((commit) => ({
      sha: commit.sha,
      subject: commit.subject,
      why: commit.why,
    })),
    notes: observed.cut?.notes ?? null,
  };
}

function printPreview(out: NodeJS.WritableStream, preview: ReleasePreview): void {
  const from = preview.current ?? 'nothing released';
  writeLine(out, `${preview.product}: ${from} → ${preview.next ?? 'no release'} (${preview.why})`);
  for (const commit of preview.commits) {
    writeLine(
      out,
      `  ${commit.sha.slice(0, 7)} ${(commit.bump ?? '-').padEnd(5)} ${terminalSafe(commit.subject)}`,
    );
  }
  if (preview.ignored.length > 0) {
    writeLine(
      out,
      `  ${preview.ignored.length} commit${preview.ignored.length === 1 ? '' : 's'} ignored (not conventional, or merges)`,
    );
  }
  if (preview.notes) writeLine(out, `\n${preview.notes}`);
}

function formatOption(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new InvalidArgumentError('expected text or json');
  return value;
}
