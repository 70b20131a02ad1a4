import { resolve } from 'node:path';
import { scaffoldFleet } from '../init/scaffold.js';
import { type CliCommand, writeLine } from './context.js';

/** `codemonkeys init [dir]`: a new fleet repo that validates, git-initialised. */
export const initCommand: CliCommand = {
  name: 'init',
  register(program, context) {
    program
      .command('init')
      .argument('[dir]', 'directory of the new fleet repo (created if missing; must be empty)', '.')
      .description(
        'scaffold a valid fleet repo: fleet.yaml, a commented constitution, one example product, schemas',
      )
      .option('--org <name>', 'name of the first org', 'my-org')
      .option('--product <name>', 'name of the example product', 'hello')
      .option('--approver <who>', 'who approves gated actions', 'alice')
      .option('--repo-url <url>', "the example product's git repository")
      .option('--no-git', 'do not initialise a git repository')
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys init my-fleet
  $ codemonkeys init my-fleet --org acme --product widget --repo-url ../widget.git
  $ cd my-fleet && codemonkeys validate`,
      )
      .action(
        async (
          dir: string,
          options: { org: string; product: string; approver: string; repoUrl?: string; git: boolean },
        ) => {
          const result = await scaffoldFleet({ dir: resolve(context.io.cwd, dir), ...options });
          for (const file of result.files) writeLine(context.io.stdout, `  created ${file}`);
          writeLine(
            context.io.stdout,
            `fleet repo ready in ${result.dir}${result.commit ? ` (commit ${result.commit.slice(0, 12)})` : ''}`,
          );
          writeLine(context.io.stdout, `next: cd ${dir} && codemonkeys validate`);
        },
      );
  },
};
