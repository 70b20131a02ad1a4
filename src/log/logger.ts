import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { terminalSafeJson, terminalSafeValue } from '../util/terminal-safe.js';
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
 * redactor (registered secret values, secret-named keys, passwords in URLs) before it is written,
 * and is terminal-safe: values echo user files (a manifest's text, a playbook's output), so
 * control and bidi characters are written escaped — as `\u` escapes in JSON lines (the same
 * value once parsed), as `\x1b`, `\u202e` in readable lines.
 */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const stream = settings.stream ?? process.stderr;
  const redact = settings.redactor ?? defaultRedactor;
  const pretty = settings.pretty ?? Boolean(stream.isTTY);
  // Readable lines show values as they are, so they are escaped here; JSON lines on the way out.
  const safe = pretty ? terminalSafeValue : (value: unknown) => value;
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: undefined,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => safe(redact.redactValue(object)) as Record<string, unknown>,
    },
    serializers: { err: (error: unknown) => safe(redact.redactValue(error)) },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => (typeof arg === 'string' ? safe(redact.redactText(arg)) : arg));
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
    : { write: (line: string) => stream.write(terminalSafeJson(line)) };
  return pino(options, destination);
}
