import { Command, CommanderError, Option } from 'commander';
import { CodemonkeysError } from '../errors.js';
import { LOG_LEVELS } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { COMMANDS } from './commands.js';
import { type CliIO, type CommandContext, createContext, writeLine } from './context.js';
import { VERSION } from './version.js';

/** Builds the `codemonkeys` program with its global options and every registered command. */
export function buildProgram(io: CliIO): { program: Command; context: CommandContext } {
  const program = new Command('codemonkeys')
    .description('Code Monkeys Ship: a GitOps reconciler for a fleet of software products')
    .version(VERSION, '-V, --version', 'print the version')
    .option(
      '--fleet <path|git-url>',
      'the fleet repo: a directory or a git URL (default: the current directory)',
    )
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('warn'))
    .option('--debug', 'print stack traces with errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(terminalSafe(text, { multiline: true })),
      writeErr: (text) => io.stderr.write(terminalSafe(text, { multiline: true })),
    })
    .exitOverride();
  const context = createContext(program, io);
  for (const command of COMMANDS.values()) command.register(program, context);
  return { program, context };
}

/** Runs the program on argv (without node and script); resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const { program, context } = buildProgram(io);
  let code = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
    code = context.exitCode;
  } catch (error) {
    code = reportError(error, io, argv.includes('--debug'));
  }
  return code;
}

function reportError(error: unknown, io: CliIO, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Help and version exit "successfully" through commander's override.
    return error.exitCode === 0 ? 0 : 2;
  }
  const message =
    error instanceof CodemonkeysError
      ? error.message
      : `unexpected error: ${String((error as Error)?.message ?? error)}`;
  writeLine(io.stderr, `codemonkeys: ${redactor.redactText(message)}`);
  if (debug && error instanceof Error && error.stack) writeLine(io.stderr, redactor.redactText(error.stack));
  let cause = error instanceof Error ? error.cause : undefined;
  while (debug && cause instanceof Error) {
    writeLine(io.stderr, `caused by: ${redactor.redactText(cause.stack ?? cause.message)}`);
    cause = cause.cause;
  }
  return 1;
}
