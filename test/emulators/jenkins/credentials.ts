/**
 * The emulator's credential store: the Credentials plugin's global store (jenkinsci/
 * credentials-plugin), with two of its kinds. Builds read it when a step asks for a credential,
 * so a credential added or removed between builds counts from the next one.
 */

/** "Secret text" (StringCredentialsImpl, jenkinsci/plain-credentials-plugin): `credentials('id')` gives it. */
export interface SecretTextCredential {
  id: string;
  secret: string;
  description?: string;
}

/**
 * "Username with password" (UsernamePasswordCredentialsImpl, jenkinsci/credentials-plugin): what
 * the git plugin clones an https repository with, the password being a token at most hosts.
 */
export interface UsernamePasswordCredential {
  id: string;
  username: string;
  password: string;
  description?: string;
}

export type JenkinsCredential = SecretTextCredential | UsernamePasswordCredential;

export function isUsernamePassword(credential: JenkinsCredential): credential is UsernamePasswordCredential {
  return 'username' in credential;
}

/** Credentials by id, as the global domain of Jenkins' system store holds them. */
export class CredentialStore {
  readonly #byId = new Map<string, JenkinsCredential>();

  /** `secretTexts`: the emulator's `credentials` option, id → secret text. */
  constructor(secretTexts: Readonly<Record<string, string>> = {}) {
    for (const [id, secret] of Object.entries(secretTexts)) this.add({ id, secret });
  }

  /** Adds a credential, or replaces the one with its id (as updating it in Jenkins does). */
  add(credential: JenkinsCredential): void {
    if (!credential.id) throw new Error('a Jenkins credential needs an id');
    this.#byId.set(credential.id, { ...credential });
  }

  /** Removes the credential with this id; false when there is none. */
  remove(id: string): boolean {
    return this.#byId.delete(id);
  }

  get(id: string): JenkinsCredential | undefined {
    return this.#byId.get(id);
  }
}
