import { open, rm } from 'node:fs/promises';
import { readIfExists } from '../../util/files.js';
import type { BuildRequest } from '../ci.js';

/**
 * What trigger hands the detached worker: the whole request (environment values and the
 * repository URL may hold secrets, so this travels in a file, never in argv or the worker's
 * environment), which values to redact, and where the shared mirrors and slots are.
 */
export interface Job {
  request: BuildRequest;
  /** Values replaced by [REDACTED] as the log is written. */
  secrets: string[];
  mirrorDir: string;
  slotsDir: string;
  maxConcurrent: number;
}

/** Writes the job file readable by its owner only; refuses to overwrite one. */
export async function writeJob(path: string, job: Job): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(job));
  } finally {
    await handle.close();
  }
}

/** Reads the job file and deletes it at once, so secret values stay on disk as briefly as possible. */
export async function takeJob(path: string): Promise<Job | undefined> {
  let text: string | undefined;
  try {
    text = await readIfExists(path);
  } finally {
    await rm(path, { force: true });
  }
  return text === undefined ? undefined : (JSON.parse(text) as Job);
}
