/**
 * What the reconcile loop does next after an error, as Flux's controllers type theirs:
 * stalled — a human must act, do not retry; waiting — retry after a known delay;
 * transient — retry with backoff.
 */
export type NextStep = 'stalled' | 'waiting' | 'transient';

export interface CodemonkeysErrorOptions {
  /** A short machine-readable reason code, such as `ValidationFailed` or `ToolMissing`. */
  reason: string;
  next?: NextStep;
  /** For `waiting`: how long until a retry makes sense. */
  retryAfterMs?: number;
  cause?: unknown;
}

/** Base of every error the program raises on purpose; its message is safe to show a user. */
export class CodemonkeysError extends Error {
  override name = 'CodemonkeysError';
  readonly reason: string;
  readonly next: NextStep;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: CodemonkeysErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
    this.next = options.next ?? 'stalled';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** How a subprocess ended: what ran (redacted), its exit code or signal, a timeout, the end of its stderr (redacted). */
export interface CommandEnd {
  command: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stderrTail: string;
}

/** A tool run (git, ansible-playbook, tofu) that failed: the message, and how the process ended. */
export class CommandError extends CodemonkeysError implements CommandEnd {
  override name = 'CommandError';
  readonly command: string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stderrTail: string;

  constructor(message: string, options: CodemonkeysErrorOptions & CommandEnd) {
    super(message, options);
    this.command = options.command;
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.timedOut = options.timedOut;
    this.stderrTail = options.stderrTail;
  }
}

/** The command line was used wrongly; nothing was done. */
export class UsageError extends CodemonkeysError {
  override name = 'UsageError';
  constructor(message: string, cause?: unknown) {
    super(message, { reason: 'Usage', next: 'stalled', cause });
  }
}

/** The fleet repo could not be read at all (missing directory, unknown revision, clone failed). */
export class FleetSourceError extends CodemonkeysError {
  override name = 'FleetSourceError';
  constructor(message: string, options: { reason?: string; next?: NextStep; cause?: unknown } = {}) {
    super(message, {
      reason: options.reason ?? 'FleetUnreadable',
      next: options.next ?? 'stalled',
      cause: options.cause,
    });
  }
}

/** A secret reference could not be resolved; the message names the reference, never a value. */
export class SecretError extends CodemonkeysError {
  override name = 'SecretError';
  constructor(message: string, cause?: unknown) {
    super(message, { reason: 'SecretUnresolved', next: 'stalled', cause });
  }
}

/** Turns anything thrown into an Error without losing it. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
