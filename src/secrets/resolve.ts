import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { SecretError } from '../errors.js';
import { redactor as defaultRedactor, type Redactor } from '../log/redact.js';
import type { SecretRef } from './ref.js';

export interface SecretContext {
  env: NodeJS.ProcessEnv;
  /** Base of relative `{ file }` references. */
  baseDir: string;
  redactor?: Redactor;
}

/** `{ env: NAME }` or `{ file: path }` and nothing else, as common.schema.json's secretRef: how a var value is told from data. */
export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const [key] = keys;
  return (key === 'env' || key === 'file') && typeof (value as Record<string, unknown>)[key] === 'string';
}

/** Says which reference a secret comes from, without its value: for messages. */
export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/**
 * Reads the value a secret reference points at and registers it with the redactor, so that it
 * can never reach a log, a plan or a message afterwards.
 */
export async function resolveSecret(ref: SecretRef, context: SecretContext): Promise<string> {
  const value =
    'env' in ref ? readEnv(ref.env, context.env) : await readSecretFile(ref.file, context.baseDir);
  (context.redactor ?? defaultRedactor).register(value);
  return value;
}

function readEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new SecretError(`secret from environment variable ${name} is not set`);
  }
  return value;
}

async function readSecretFile(path: string, baseDir: string): Promise<string> {
  const full = path.startsWith('~/')
    ? join(homedir(), path.slice(2))
    : isAbsolute(path)
      ? path
      : resolve(baseDir, path);
  try {
    // A trailing newline is an editor's, not part of the secret.
    return (await readFile(full, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new SecretError(
      `secret file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      error,
    );
  }
}
