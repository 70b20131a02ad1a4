import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodemonkeysError } from '../../errors.js';

/**
 * What git presents to a private repository: a token over HTTPS (through GIT_ASKPASS, with the
 * username of the URL, or `x-access-token` as GitHub, Gitea and GitLab accept with a token), or a
 * private key over SSH (a 0600 file named in GIT_SSH_COMMAND for one command). `unavailable`:
 * the credential could not be read; `why` names it and where it is declared, never its value.
 */
export type GitCredential =
  | { kind: 'token'; token: string }
  | { kind: 'ssh-key'; key: string }
  | { kind: 'unavailable'; why: string };

/** Credentials by repository URL (as `resolveRepoUrl` gives it), for every git command of this process. */
let byRepo: ReadonlyMap<string, GitCredential> = new Map();

/** The script git asks for a username and a password (answers from our own variables). */
const ASKPASS = fileURLToPath(new URL('../../../scripts/git-askpass.sh', import.meta.url));

/** From now on, git commands that talk to one of these repositories present its credential (all at once). */
export function replaceRepoCredentials(credentials: ReadonlyMap<string, GitCredential>): void {
  byRepo = new Map(credentials);
}

/** What a git command talking to a repository adds to its environment, and what to remove afterwards. */
export interface CredentialAccess {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

const NOTHING: CredentialAccess = { env: {}, cleanup: async () => {} };

/**
 * The environment one git command needs to reach `repoUrl` with its credential; nothing for a
 * repository without one. Throws `CredentialUnavailable` (stalled) when the credential could not
 * be read: git would otherwise fail with an unrelated "authentication failed".
 */
export async function credentialAccess(repoUrl: string | undefined): Promise<CredentialAccess> {
  const credential = repoUrl === undefined ? undefined : byRepo.get(repoUrl);
  if (!credential) return NOTHING;
  if (credential.kind === 'unavailable')
    throw new CodemonkeysError(credential.why, { reason: 'CredentialUnavailable', next: 'stalled' });
  if (credential.kind === 'token') {
    return {
      env: {
        GIT_ASKPASS: ASKPASS,
        CODEMONKEYS_GIT_USERNAME: usernameOf(repoUrl as string),
        CODEMONKEYS_GIT_PASSWORD: credential.token,
      },
      cleanup: async () => {},
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'codemonkeys-ssh-'));
  const keyFile = join(dir, 'key');
  await writeFile(keyFile, credential.key.endsWith('\n') ? credential.key : `${credential.key}\n`, {
    mode: 0o600,
  });
  return {
    // The path is ours (a temporary folder), never a manifest value; ssh reads only this key.
    env: {
      GIT_SSH_COMMAND: `ssh -i '${keyFile}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new`,
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The username of an http(s) URL, or the one hosting services accept with a token. */
function usernameOf(repoUrl: string): string {
  try {
    const user = new URL(repoUrl).username;
    return user === '' ? 'x-access-token' : decodeURIComponent(user);
  } catch {
    return 'x-access-token';
  }
}
