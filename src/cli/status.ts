import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { loadFleet } from '../fleet/load.js';
import { statePath } from '../store/location.js';
import { openStore } from '../store/sqlite.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { type CliCommand, type CommandContext, writeJson, writeLine } from './context.js';
import { addProductOption } from './engine-options.js';
import { printConditions } from './print-run.js';

/** `codemonkeys status`: each product's Ready / Reconciling / Stalled conditions, as the last pass left them. */
export const statusCommand: CliCommand = {
  name: 'status',
  register(program, context) {
    const command = program
      .command('status')
      .description("each product's conditions (Ready, Reconciling, Stalled) with reason and message")
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys status
  $ codemonkeys status --product acme/widget --format json`,
      )
      .action((options: { product?: string; format: 'text' | 'json' }) => runStatus(context, options));
    addProductOption(command);
  },
};

async function runStatus(
  context: CommandContext,
  options: { product?: string; format: 'text' | 'json' },
): Promise<void> {
  const { io } = context;
  const fleetDir = resolve(io.cwd, context.globals().fleet);
  const loaded = await loadFleet({ fleet: fleetDir, cwd: io.cwd, env: io.env, now: io.clock() }).catch(
    () => undefined,
  );
  const path = statePath(fleetDir, loaded?.fleet?.fleet.manifest.spec.state?.sqlite, io.env);
  if (!existsSync(path)) {
    writeLine(io.stderr, `no state yet at ${path}: run codemonkeys reconcile first`);
    context.exitCode = 1;
    return;
  }
  const store = openStore(path, { readonly: true });
  try {
    const all = store.conditions(options.product);
    const orphans = store.products().filter((record) => record.orphanedAt !== null);
    if (options.format === 'json') {
      writeJson(io.stdout, JSON.stringify({ products: Object.fromEntries(all), orphans }, null, 2));
    } else {
      printConditions(io.stdout, all);
      for (const orphan of orphans)
        writeLine(
          io.stdout,
          `  ${terminalSafe(orphan.id).padEnd(24)} orphaned since ${orphan.orphanedAt} (${orphan.prune ? 'prune requested' : 'left alone'})`,
        );
    }
    const stalled = [...all.values()].some((list) =>
      list.some((condition) => condition.type === 'Stalled' && condition.status === 'True'),
    );
    context.exitCode = stalled ? 1 : 0;
  } finally {
    store.close();
  }
}
