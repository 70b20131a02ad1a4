import type { Command } from 'commander';
import { createLogger, type Logger, type LogLevel } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { terminalSafe, terminalSafeJson } from '../util/terminal-safe.js';

/** Where a command reads and writes; tests hand in their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** What commands read the time from (see Clock). */
  clock: Clock;
}

/** The options every command understands. */
export interface GlobalOptions {
  /** Fleet repo: a directory or a git URL; default the current directory. */
  fleet: string;
  logLevel: LogLevel;
  debug: boolean;
}

export interface CommandContext {
  io: CliIO;
  /** What the process exits with once the command is done; commands set it. */
  exitCode: number;
  globals(): GlobalOptions;
  logger(): Logger;
}

/** One CLI command: it adds itself to the program; its action resolves to the exit code. */
export interface CliCommand {
  name: string;
  register(program: Command, context: CommandContext): void;
}

export function createContext(program: Command, io: CliIO): CommandContext {
  let logger: Logger | undefined;
  const globals = (): GlobalOptions => {
    const options = program.opts<{ fleet?: string; logLevel: LogLevel; debug?: boolean }>();
    return { fleet: options.fleet ?? io.cwd, logLevel: options.logLevel, debug: Boolean(options.debug) };
  };
  return {
    io,
    exitCode: 0,
    globals,
    logger() {
      logger ??= createLogger({ level: globals().logLevel, stream: io.stderr });
      return logger;
    },
  };
}

/**
 * Writes text for people, a line or lines, to a stream; control and bidi characters that reach it
 * (from a manifest, a build log, a server) are shown escaped, never acted on by the terminal.
 */
export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  const safe = terminalSafe(text, { multiline: true });
  stream.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/** Writes JSON text (from JSON.stringify) and a newline; the controls it leaves raw as `\u` escapes. */
export function writeJson(stream: NodeJS.WritableStream, json: string): void {
  const safe = terminalSafeJson(json);
  stream.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}
