import { CommandError, type NextStep } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { formatDiagnostic, type TofuDiagnostic } from './diagnostics.js';

/** How long to wait before trying a locked state again, unless the runner is told otherwise. */
export const DEFAULT_LOCKED_RETRY_MS = 30_000;

/** How a tofu command ended, as the runner saw it. */
export interface TofuRunResult {
  /** The arguments after `tofu` (never a secret: secrets travel in the environment). */
  args: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** What tofu reported with `-json`, errors and warnings. */
  diagnostics: TofuDiagnostic[];
}

/** A tofu command that failed: what ran, how it ended, what tofu said (redacted). */
export class TofuCommandError extends CommandError {
  override name = 'TofuCommandError';
  readonly diagnostics: TofuDiagnostic[];

  constructor(
    message: string,
    details: { reason: string; next: NextStep; retryAfterMs?: number; run: TofuRunResult },
  ) {
    super(redactor.redactText(message), {
      reason: details.reason,
      next: details.next,
      retryAfterMs: details.retryAfterMs,
      command: ['tofu', ...details.run.args],
      exitCode: details.run.exitCode,
      signal: details.run.signal,
      timedOut: details.run.timedOut,
      stderrTail: redactor.redactText(tail(details.run.stderr)),
    });
    this.diagnostics = redactor.redactValue(details.run.diagnostics);
  }
}

/** Who failed at what, for the message: `acme/widget` and how its module is named. */
export interface FailureContext {
  product: string;
  moduleLabel: string;
  lockedRetryMs?: number;
}

const LOCKED = /error acquiring the state lock/i;
const STALE = /saved plan is stale/i;

/**
 * What a failed tofu command means for the loop: a held state lock → waiting (someone else is
 * applying); a stale saved plan → transient (the next pass plans again); an error tofu locates in
 * the module's files → stalled (someone must fix the module or its variables); anything else
 * (a provider's API, the network, a timeout) → transient.
 */
export function tofuFailure(run: TofuRunResult, context: FailureContext): TofuCommandError {
  const errors = run.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  const verb = `tofu ${run.args[0] ?? ''}`.trim();
  const prefix = `${context.product}: ${verb}`;
  const locked = errors.find((diagnostic) => LOCKED.test(diagnostic.summary));
  if (locked) {
    return new TofuCommandError(
      `${prefix}: the state is locked by another run (${lockHolder(locked.detail)})`,
      {
        reason: 'TofuStateLocked',
        next: 'waiting',
        retryAfterMs: context.lockedRetryMs ?? DEFAULT_LOCKED_RETRY_MS,
        run,
      },
    );
  }
  if (errors.some((diagnostic) => STALE.test(diagnostic.summary))) {
    return new TofuCommandError(
      `${prefix}: the saved plan is stale, the state changed after it was made; the next pass plans again`,
      { reason: 'TofuPlanStale', next: 'transient', run },
    );
  }
  if (run.timedOut) {
    return new TofuCommandError(`${prefix} timed out`, { reason: 'TofuTimeout', next: 'transient', run });
  }
  const said = errors.length > 0 ? describe(errors, context.moduleLabel) : howItEnded(run);
  if (errors.some((diagnostic) => diagnostic.range)) {
    return new TofuCommandError(`${prefix} failed: ${said}`, {
      reason: 'TofuConfigInvalid',
      next: 'stalled',
      run,
    });
  }
  return new TofuCommandError(`${prefix} failed: ${said}`, {
    reason: 'TofuCommandFailed',
    next: 'transient',
    run,
  });
}

function describe(errors: readonly TofuDiagnostic[], moduleLabel: string): string {
  const shown = errors.slice(0, 3).map((diagnostic) => formatDiagnostic(diagnostic, moduleLabel));
  const more = errors.length > 3 ? `; and ${errors.length - 3} more` : '';
  return `${shown.join('; ')}${more}`;
}

function howItEnded(run: TofuRunResult): string {
  const last = tail(run.stderr).split('\n').filter(Boolean).pop() ?? '';
  const ended = run.signal ? `killed by ${run.signal}` : `exit code ${run.exitCode ?? 'unknown'}`;
  return last ? `${ended}: ${last}` : ended;
}

/** `Who`, `Operation` and `Created` from tofu's lock info, as the diagnostic's detail lists them. */
function lockHolder(detail: string): string {
  const field = (name: string): string | undefined =>
    new RegExp(`^\\s*${name}:\\s*(.+)$`, 'm').exec(detail)?.[1]?.trim();
  const parts = [field('Who'), field('Operation'), field('Created') && `since ${field('Created')}`];
  const known = parts.filter((part): part is string => Boolean(part));
  return known.length > 0 ? known.join(', ') : 'holder unknown';
}

function tail(text: string): string {
  return text.length > 2048 ? text.slice(-2048) : text;
}
