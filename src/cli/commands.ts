import type { CliCommand } from './context.js';
import { doctorCommand } from './doctor.js';
import { initCommand } from './init.js';
import { validateCommand } from './validate.js';

/** Every CLI command, by name. Registered explicitly; a test walks this map. */
export const COMMANDS: ReadonlyMap<string, CliCommand> = new Map(
  [initCommand, validateCommand, doctorCommand].map((command) => [command.name, command]),
);
