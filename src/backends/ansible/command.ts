import { access, constants } from 'node:fs/promises';
import { CodemonkeysError } from '../../errors.js';
import type { Redactor } from '../../log/redact.js';
import { BASE_ENV_NAMES } from '../../util/env.js';
import { findOnPath } from '../tools.js';
import { ansibleMissing } from './errors.js';
import type { AnsibleRunnerOptions, PlaybookRequest } from './runner.js';
import type { RunWorkspace } from './workspace.js';

/** Variables passed on from the reconciler's environment besides LC_*: what ssh, Python and the modules need. */
const PASSED_ENV = [
  ...BASE_ENV_NAMES,
  'SSH_AUTH_SOCK',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'XDG_DATA_HOME',
  'XDG_RUNTIME_DIR',
];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The command line: only paths and flags, every value of the request in the run's files. */
export function buildArgs(
  modeArgs: string[],
  request: PlaybookRequest,
  workspace: RunWorkspace,
  inventory: string,
  playbook: string,
): string[] {
  const args = ['-i', inventory, '--extra-vars', `@${workspace.extraVarsPath}`, ...modeArgs];
  if (workspace.vaultPasswordPath) args.push('--vault-password-file', workspace.vaultPasswordPath);
  // The `--opt=value` form: a value that starts with '-' stays a value.
  if (request.limit) args.push(`--limit=${request.limit}`);
  if (request.tags?.length) args.push(`--tags=${request.tags.join(',')}`);
  if (request.skipTags?.length) args.push(`--skip-tags=${request.skipTags.join(',')}`);
  // Resolved to an absolute path, so it never reads as an option.
  args.push(playbook);
  return args;
}

/** The child's whole environment: a few passed-on variables, the secrets, and ANSIBLE_CONFIG. */
export function buildEnv(
  settings: Pick<AnsibleRunnerOptions, 'env' | 'passEnv'>,
  secretEnv: Record<string, string>,
  workspace: RunWorkspace,
): Record<string, string> {
  const source = settings.env ?? process.env;
  const passed = new Set([...PASSED_ENV, ...(settings.passEnv ?? [])]);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || name.startsWith('ANSIBLE_')) continue;
    if (passed.has(name) || name.startsWith('LC_')) env[name] = value;
  }
  // Ansible refuses to start under a locale whose encoding is not UTF-8.
  if (!/utf-?8/i.test(env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? '')) env.LC_ALL = 'C.UTF-8';
  Object.assign(env, secretEnv);
  env.ANSIBLE_CONFIG = workspace.configPath;
  // The callback plugin lives in the package: no __pycache__ written beside it.
  env.PYTHONDONTWRITEBYTECODE = '1';
  return env;
}

/** Every secret of the request, known to the redactor before anything can print it. */
export function registerSecrets(request: PlaybookRequest, redactor: Redactor): void {
  for (const value of Object.values(request.secretEnv ?? {})) redactor.register(value);
  if (request.vaultPassword !== undefined) redactor.register(request.vaultPassword);
}

/** Secret variable names must be plain names that cannot replace the run's own settings. */
export function checkSecretEnv(secretEnv: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(secretEnv)) {
    const reserved = name.startsWith('ANSIBLE_') || PASSED_ENV.includes(name) || name.startsWith('LC_');
    if (!ENV_NAME.test(name) || reserved || typeof value !== 'string') {
      throw new CodemonkeysError(
        `secret environment variable '${name}' cannot be used: it must be a plain name (letters, digits, '_') and not one of ansible-playbook's own settings (ANSIBLE_*, LC_*, ${PASSED_ENV.join(', ')})`,
        { reason: 'Usage' },
      );
    }
  }
  return secretEnv;
}

/** The ansible-playbook executable, or stalled `AnsibleMissing` saying how to install it. */
export async function locateAnsible(
  settings: Pick<AnsibleRunnerOptions, 'executable' | 'env'>,
): Promise<string> {
  const executable = settings.executable ?? 'ansible-playbook';
  if (!executable.includes('/')) {
    const found = await findOnPath(executable, settings.env ?? process.env);
    if (found) return found;
    throw ansibleMissing(executable);
  }
  try {
    await access(executable, constants.X_OK);
    return executable;
  } catch {
    throw ansibleMissing(executable);
  }
}
