import { type GitCredential, replaceRepoCredentials } from '../backends/git/credentials.js';
import { isScpLike, resolveRepoUrl } from '../backends/git/remote.js';
import { describeSecretRef, resolveSecret } from '../secrets/resolve.js';
import type { Service } from './services.js';

/**
 * The credentials of the fleet's private product repositories (`spec.repo.credentials`, an org
 * credential), handed to every git command that talks to them: a token over http(s), a private
 * key over ssh. Declared by the facets that read or push product repos. A credential that cannot
 * be read is kept as such, so that the product stalls naming it (never its value) while the
 * others go on.
 */
/** A token for http(s), a private key for ssh (ssh:// or user@host:path); nothing for local or git:// repositories. */
function credentialKind(repoUrl: string): 'token' | 'ssh-key' | undefined {
  if (/^https?:\/\//i.test(repoUrl)) return 'token';
  if (/^ssh:\/\//i.test(repoUrl)) return 'ssh-key';
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(repoUrl) && isScpLike(repoUrl)) return 'ssh-key';
  return undefined;
}

export const repoAccessService: Service<void> = {
  name: 'repo-access',
  open: async (context) => {
    const credentials = new Map<string, GitCredential>();
    const { fleet } = context;
    for (const product of fleet.products.values()) {
      const { url, credentials: name } = product.manifest.spec.repo;
      if (name === undefined) continue;
      const repoUrl = resolveRepoUrl(url, context.fleetDir);
      const kind = credentialKind(repoUrl);
      if (kind === undefined) continue;
      const org = product.manifest.metadata.org;
      const ref = fleet.fleet.manifest.spec.orgs.find((each) => each.name === org)?.credentials?.[name];
      const named = `credential '${name}' of org ${org} (${product.file}, spec.repo.credentials)`;
      if (!ref) {
        credentials.set(repoUrl, { kind: 'unavailable', why: `${named} is not declared` });
        continue;
      }
      try {
        const secret = await resolveSecret(ref, { env: context.env, baseDir: context.fleetDir });
        credentials.set(repoUrl, kind === 'token' ? { kind, token: secret } : { kind, key: secret });
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        credentials.set(repoUrl, {
          kind: 'unavailable',
          why: `${named}, from ${describeSecretRef(ref)}, cannot be read: ${why}`,
        });
      }
    }
    replaceRepoCredentials(credentials);
  },
};
