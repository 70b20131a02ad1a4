import type { Command } from 'commander';
import { InvalidFleetError } from '../engine/runtime.js';
import { formatProblemsText } from '../fleet/report.js';
import { type CommandContext, writeLine } from './context.js';

/** Adds `--product ID` to a command that works on the whole fleet or one product. */
export function addProductOption(command: Command): Command {
  return command.option('--product <id>', 'only this product (org/name)');
}

/** Runs a command body; an invalid fleet prints its problems (as validate does) and exits 1. */
export async function withFleetProblems(context: CommandContext, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (!(error instanceof InvalidFleetError)) throw error;
    const files = [...new Set(error.problems.map((problem) => problem.file))];
    writeLine(
      context.io.stderr,
      formatProblemsText({
        fleet: undefined,
        problems: error.problems,
        files,
        sources: new Map(),
        revision: null,
        dirty: false,
      }),
    );
    throw error;
  }
}
