import { type Command, Option } from 'commander';

/** Output formats of commands that print for people or for tools. */
export type OutputFormat = 'text' | 'json';

/** Adds `--rev` and `--format text|json` to a command that reads the fleet repo. */
export function addFleetReadOptions(command: Command): Command {
  return command
    .option(
      '--rev <revision>',
      'read the fleet repo at this git revision (branch, tag or commit) instead of the files on disk',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
}
