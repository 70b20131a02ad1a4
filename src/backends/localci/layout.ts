import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CodemonkeysError } from '../../errors.js';
import { redactor } from '../../log/redact.js';
import { COMMIT_ID } from '../git/mirror.js';

/**
 * Where the local runner keeps its files under its state directory:
 * `builds/<org>/<name>/<commit>/<runId>/` per build, `mirrors/` for repositories, `slots/` for
 * the concurrency semaphore.
 */
export interface BuildPaths {
  dir: string;
  /** The build's state, always replaced whole (temp file + rename). */
  record: string;
  /** stdout and stderr of every step, with step headers, secrets redacted. */
  log: string;
  /** The request with its environment, mode 0600, deleted by the worker as soon as it has read it. */
  job: string;
  /** The worktree the steps run in; removed when the build ends. */
  work: string;
  /** What a build that succeeded kept of the worktree (`build.artifacts`), at the same paths. */
  artifacts: string;
}

/** The files of one build directory. */
export function buildPaths(dir: string): BuildPaths {
  return {
    dir,
    record: join(dir, 'record.json'),
    log: join(dir, 'log.txt'),
    job: join(dir, 'job.json'),
    work: join(dir, 'work'),
    artifacts: join(dir, 'artifacts'),
  };
}

/** The folder holding every run of one commit of one product (validated: no path tricks). */
export function commitDir(stateDir: string, product: string, commit: string): string {
  const [org, name] = productParts(product);
  if (!COMMIT_ID.test(commit)) {
    throw new CodemonkeysError(`'${redactor.redactText(commit)}' is not a full commit id`, {
      reason: 'InvalidCommit',
      next: 'stalled',
    });
  }
  return join(stateDir, 'builds', org, name, commit);
}

/** Splits `org/name`; each part becomes a directory name, so separators and dot names are refused. */
function productParts(product: string): [string, string] {
  const parts = product.split('/');
  const valid =
    parts.length === 2 &&
    parts.every((part) => part !== '' && part !== '.' && part !== '..' && !/[\\\0]/.test(part));
  if (!valid) {
    throw new CodemonkeysError(`product id '${product}' is not of the form org/name`, {
      reason: 'InvalidProduct',
      next: 'stalled',
    });
  }
  return parts as [string, string];
}

/** A run id that sorts by creation time: `20250102T030405678Z-1a2b3c`. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** True for a directory name that newRunId could have produced. */
export function isRunId(name: string): boolean {
  return /^\d{8}T\d{9}Z-[0-9a-f]{6}$/.test(name);
}
