import { CodemonkeysError, CommandError, type NextStep } from '../../errors.js';
import type { Redactor } from '../../log/redact.js';
import type { TaskResult } from './callback.js';
import type { ProcessOutcome } from './process.js';
import type { PlaybookResult } from './runner.js';

/** How much of ansible-playbook's stderr a failure keeps. */
export const STDERR_TAIL_BYTES = 2048;

/**
 * ansible-playbook did not get as far as a result: it timed out, was cancelled, refused the
 * playbook or its options, or ended without printing the run. Carries what ran (redacted), how
 * it ended and the tail of its stderr.
 */
export class AnsibleCommandError extends CommandError {
  override name = 'AnsibleCommandError';
}

/**
 * The playbook ran, and a task failed on a host or a host could not be reached. `result` holds
 * every host's every task (redacted), so a caller can journal what did converge before the failure.
 * A failed task stalls (`AnsibleTaskFailed`: someone must fix the playbook, vars or host); only
 * unreachable hosts are transient (`AnsibleHostUnreachable`).
 */
export class AnsiblePlaybookFailed extends CodemonkeysError {
  override name = 'AnsiblePlaybookFailed';
  readonly result: PlaybookResult;

  constructor(result: PlaybookResult, playbookName: string) {
    const failures = result.failures;
    const onlyUnreachable = failures.every((failure) => failure.status === 'unreachable');
    super(describeFailures(playbookName, result.mode, failures), {
      reason: onlyUnreachable ? 'AnsibleHostUnreachable' : 'AnsibleTaskFailed',
      next: onlyUnreachable ? 'transient' : 'stalled',
    });
    this.result = result;
  }
}

/** `playbook deploy.yml (check) failed on web1 at task 'Copy site': Destination not writable (and 1 more)`. */
function describeFailures(playbookName: string, mode: string, failures: TaskResult[]): string {
  const first = failures[0];
  if (!first) return `playbook ${playbookName} (${mode}) failed`;
  const what = first.status === 'unreachable' ? 'could not reach' : 'failed on';
  const detail = first.message ? `: ${first.message}` : '';
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return `playbook ${playbookName} (${mode}) ${what} ${first.host} at task '${first.task}'${detail}${more}`;
}

/** ansible-playbook is not installed: nothing the loop can retry its way out of. */
export function ansibleMissing(executable: string): CodemonkeysError {
  return new CodemonkeysError(
    `${executable} not found on PATH: run scripts/setup.sh, or apt-get install ansible-core (or pip install ansible-core)`,
    { reason: 'AnsibleMissing', next: 'stalled' },
  );
}

/** An error whose message names how the run ended and Ansible's own `ERROR!` line, all redacted. */
export function commandError(
  message: string,
  command: string[],
  outcome: ProcessOutcome,
  redactor: Redactor,
  reason: string,
  next: NextStep,
): AnsibleCommandError {
  const stderr = redactor.redactText(outcome.spawnError ?? outcome.stderr).trim();
  const stderrTail = stderr.length > STDERR_TAIL_BYTES ? stderr.slice(-STDERR_TAIL_BYTES) : stderr;
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const headline = lines.find((line) => line.startsWith('ERROR!')) ?? lines[lines.length - 1];
  const how =
    outcome.timedOut || outcome.cancelled
      ? ''
      : outcome.signal
        ? ` (killed by ${outcome.signal})`
        : ` (exit code ${outcome.exitCode ?? 'unknown'})`;
  const detail = headline && !outcome.timedOut && !outcome.cancelled ? `: ${headline.trim()}` : '';
  return new AnsibleCommandError(`${message}${how}${detail}`, {
    reason,
    next,
    command,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    stderrTail,
  });
}
