import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { redactor as defaultRedactor, type Redactor } from './redact.js';

export type { Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface LoggerSettings {
  level?: LogLevel;
  /** Readable lines (a TTY) or JSON lines (anything else). Default: pretty when the stream is a TTY. */
  pretty?: boolean;
  /** Where lines go; default stderr, so that stdout carries only a command's output. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  redactor?: Redactor;
}

/**
 * The program's one logger. Static messages, data in the object; every line passes through the
 * redactor (registered secret values, secret-named keys, passwords in URLs) before it is written.
 */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const stream = settings.stream ?? process.stderr;
  const redact = settings.redactor ?? defaultRedactor;
  const pretty = settings.pretty ?? Boolean(stream.isTTY);
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: undefined,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redact.redactValue(object),
    },
    serializers: { err: (error: unknown) => redact.redactValue(error) },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => (typeof arg === 'string' ? redact.redactText(arg) : arg));
        method.apply(this, redacted as Parameters<typeof method>);
      },
    },
  };
  const destination: DestinationStream = pretty
    ? PinoPretty({
        destination: stream,
        sync: true,
        colorize: Boolean(stream.isTTY),
        translateTime: 'SYS:HH:MM:ss',
      })
    : (stream as DestinationStream);
  return pino(options, destination);
}
