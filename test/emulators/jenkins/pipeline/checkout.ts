import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { type CredentialStore, isUsernamePassword, type UsernamePasswordCredential } from '../credentials.js';
import type { CallValue, Value } from './model.js';

/** Why a step failed: the message of the final `ERROR: …` line. */
export class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(
    message: string,
    readonly result: 'FAILURE' | 'ABORTED' = 'FAILURE',
  ) {
    super(message);
  }
}

/** Where to check out, the build's parameters, Jenkins' credentials, and where the git plugin's output goes. */
export interface CheckoutContext {
  workspace: string;
  params: Record<string, string>;
  credentials: CredentialStore;
  signal: AbortSignal;
  write(text: string): void;
}

/** What a checkout checked out (the git plugin's GIT_URL, GIT_BRANCH, GIT_COMMIT). */
export interface CheckoutResult {
  url: string;
  branch?: string;
  commit: string;
}

/**
 * `checkout scm`, `checkout([$class: 'GitSCM', …])`, `checkout scmGit(…)` and `git url: …`
 * (jenkinsci/git-plugin). Our generated pipeline gets REPO_URL, COMMIT and BRANCH as parameters,
 * so the emulator clones the URL the step names (else REPO_URL) into the emptied workspace and
 * checks out, detached, COMMIT (else the branch the step or BRANCH names, else the default head).
 * The remote's `credentialsId` names the credential the clone authenticates with (see
 * credentialFor). Git runs with argument arrays and without the user's or the system's git
 * configuration.
 */
export async function checkout(args: CallValue, context: CheckoutContext): Promise<CheckoutResult> {
  const url = repositoryUrl(args) ?? context.params.REPO_URL;
  if (!url)
    throw new StepFailure(
      'No repository to check out: the step names no URL and there is no REPO_URL parameter',
    );
  const named = branchOf(args);
  const wanted = context.params.COMMIT || named || context.params.BRANCH || 'HEAD';
  const branch = context.params.BRANCH || (named && !/^[0-9a-f]{7,40}$/.test(named) ? named : undefined);
  const write = (line: string): void => context.write(`${line}\n`);
  write('The recommended git tool is: NONE');
  const credential = credentialFor(args, context.credentials, write);
  write('Cloning the remote Git repository');
  write(`Cloning repository ${url}`);
  // CliGitAPIImpl.launchCommandWithCredentials says so before the command that talks to the remote.
  if (credential) write(`using GIT_ASKPASS to set credentials ${credential.description ?? ''}`);
  write(` > git clone --no-checkout -- ${url} ${context.workspace} # timeout=10`);
  const clone = await withAskpass(credential, (askpass) =>
    git(
      ['clone', '--quiet', '--no-checkout', '--', url, context.workspace],
      undefined,
      context.signal,
      askpass,
    ),
  );
  if (clone.failed) {
    write(
      `hudson.plugins.git.GitException: Command "git clone ${url}" returned status code ${clone.exitCode}:`,
    );
    write(`stderr: ${clone.stderr}`);
    throw new StepFailure("Error cloning remote repo 'origin'");
  }
  const candidates = wanted === 'HEAD' ? ['HEAD'] : [wanted, `origin/${wanted}`];
  let commit: string | undefined;
  for (const candidate of candidates) {
    const parsed = await git(
      ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`],
      context.workspace,
      context.signal,
    );
    if (!parsed.failed) {
      commit = parsed.stdout.trim();
      break;
    }
  }
  if (!commit)
    throw new StepFailure(
      "Couldn't find any revision to build. Verify the repository and branch configuration for this job.",
    );
  write(`Checking out Revision ${commit} (detached)`);
  write(` > git checkout -f ${commit} # timeout=10`);
  const checkedOut = await git(
    ['checkout', '--quiet', '--force', '--detach', commit],
    context.workspace,
    context.signal,
  );
  if (checkedOut.failed) {
    write(`stderr: ${checkedOut.stderr}`);
    throw new StepFailure(`Could not checkout ${commit}`);
  }
  const subject = await git(['log', '-1', '--format=%s', commit], context.workspace, context.signal);
  write(`Commit message: "${subject.stdout.trim()}"`);
  const result: CheckoutResult = { url, commit };
  if (branch) result.branch = branch;
  return result;
}

/**
 * The credential the checkout clones with, saying which as GitSCM.createClient does
 * (jenkinsci/git-plugin src/main/java/hudson/plugins/git/GitSCM.java; the lines are those its
 * src/test/java/hudson/plugins/git/CredentialsUserRemoteConfigTest.java waits for): `No
 * credentials specified` without a `credentialsId`; `using credential <id>` for a username with
 * password in the store; else `Warning: CredentialId "<id>" could not be found.`, and the clone
 * goes on without one (GitSCM looks up StandardUsernameCredentials only, so a secret text by
 * that id is not found either), to fail as git fails against a server that wants a login.
 */
function credentialFor(
  args: CallValue,
  store: CredentialStore,
  write: (line: string) => void,
): UsernamePasswordCredential | undefined {
  const id = credentialsIdOf(args);
  if (id === undefined) {
    write('No credentials specified');
    return undefined;
  }
  const credential = store.get(id);
  if (credential && isUsernamePassword(credential)) {
    write(`using credential ${id}`);
    return credential;
  }
  write(`Warning: CredentialId "${id}" could not be found.`);
  return undefined;
}

/**
 * Runs `command` with GIT_ASKPASS (and SSH_ASKPASS) naming a script that prints the username or
 * the password from a 0600 file, as CliGitAPIImpl.createUnixStandardAskpass writes it
 * (jenkinsci/git-client-plugin src/main/java/org/jenkinsci/plugins/gitclient/CliGitAPIImpl.java):
 * the secret never reaches a command line, a URL or the console. The files are removed after.
 */
async function withAskpass<T>(
  credential: UsernamePasswordCredential | undefined,
  command: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  if (!credential) return command({});
  const dir = mkdtempSync(join(tmpdir(), 'cm-jenkins-askpass-'));
  try {
    const username = join(dir, 'username.txt');
    const password = join(dir, 'password.txt');
    const script = join(dir, 'pass.sh');
    writeFileSync(username, credential.username, { mode: 0o600 });
    writeFileSync(password, credential.password, { mode: 0o600 });
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        'case "$1" in',
        `Username*) cat ${shellQuoted(username)} ;;`,
        `Password*) cat ${shellQuoted(password)} ;;`,
        'esac',
        '',
      ].join('\n'),
      { mode: 0o700 },
    );
    return await command({ GIT_ASKPASS: script, SSH_ASKPASS: script });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function shellQuoted(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

async function git(
  args: string[],
  cwd: string | undefined,
  signal: AbortSignal,
  extraEnv: Record<string, string> = {},
): Promise<{ failed: boolean; exitCode: number | undefined; stdout: string; stderr: string }> {
  const result = await execa('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      ...extraEnv,
    },
    extendEnv: false,
    reject: false,
    cancelSignal: signal,
  });
  if (signal.aborted) throw new StepFailure('', 'ABORTED');
  return {
    failed: result.failed,
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr).trim(),
  };
}

function repositoryUrl(args: CallValue): string | undefined {
  const direct = args.named.url ?? args.positional[0];
  if (typeof direct === 'string') return direct;
  const url = firstRemote(args)?.url;
  return typeof url === 'string' ? url : undefined;
}

/** `git credentialsId: …`, or the `credentialsId` of the SCM's first remote; an empty one is none. */
function credentialsIdOf(args: CallValue): string | undefined {
  const id = args.named.credentialsId ?? firstRemote(args)?.credentialsId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The first of the SCM's `userRemoteConfigs`. */
function firstRemote(args: CallValue): Record<string, Value> | undefined {
  const remotes = scmOf(args)?.userRemoteConfigs;
  const first = Array.isArray(remotes) ? remotes[0] : undefined;
  return first && typeof first === 'object' && !Array.isArray(first)
    ? (first as Record<string, Value>)
    : undefined;
}

function branchOf(args: CallValue): string | undefined {
  if (typeof args.named.branch === 'string') return args.named.branch;
  const branches = scmOf(args)?.branches;
  const first = Array.isArray(branches) ? branches[0] : undefined;
  const name =
    first && typeof first === 'object' && !Array.isArray(first)
      ? (first as Record<string, Value>).name
      : undefined;
  if (typeof name !== 'string') return undefined;
  return name.replace(/^\*\//, '').replace(/^refs\/heads\//, '');
}

/** The SCM's properties: `[$class: 'GitSCM', …]`, `scm: …`, or the named arguments of `scmGit(…)`. */
function scmOf(args: CallValue): Record<string, Value> | undefined {
  const value =
    args.named.scm ?? args.positional[0] ?? (Object.keys(args.named).length > 0 ? args.named : undefined);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if ('call' in value && typeof value.call === 'string') return (value as CallValue).named;
  return value as Record<string, Value>;
}
