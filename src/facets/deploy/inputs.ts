import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { PlaybookRequest } from '../../backends/ansible/index.js';
import { createWorktree, ensureMirror, repoMirrorDir } from '../../backends/git/mirror.js';
import { runGit } from '../../backends/git/remote.js';
import type { Release } from '../../backends/git/tags.js';
import type { Product, SecretRef, Vars } from '../../fleet/model.js';
import { cacheDir } from '../../paths.js';
import { isSecretRef, resolveSecret } from '../../secrets/resolve.js';

/** What a deploy run needs besides the spec: where the release is checked out, and the secrets. */
export interface DeployTarget {
  product: Product;
  environment: string;
  release: Release;
  fleetDir: string;
  repoUrl: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The release's sources, checked out once per commit in the cache (a detached worktree of the
 * product repo's mirror): the `codemonkeys.release_dir` a playbook deploys from. Reused across
 * passes; a half-made checkout (a process killed while making it) is made again.
 */
export async function releaseCheckout(
  repoUrl: string,
  commit: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = join(
    cacheDir('releases', env),
    createHash('sha256').update(repoUrl).digest('hex').slice(0, 16),
    commit,
  );
  if (existsSync(join(dir, '.git'))) {
    const head = await runGit(['rev-parse', 'HEAD'], { cwd: dir });
    if (head.exitCode === 0 && head.stdout.trim() === commit) return dir;
  }
  const gitDir = await ensureMirror(repoUrl, repoMirrorDir(env), commit);
  await createWorktree(gitDir, commit, dir);
  return dir;
}

/**
 * The playbook request of one environment: the spec's vars (the environment's over the
 * deploy's), with `codemonkeys` (product, environment, version, tag, commit, release_dir) added;
 * a var that is a secret reference is not a var at all: its value goes to the playbook's
 * environment, under the referenced variable's name ({ env: NAME }) or the var's name in capitals
 * ({ file: … }), where the playbook reads it with lookup('env', …).
 */
export async function playbookRequest(target: DeployTarget, releaseDir: string): Promise<PlaybookRequest> {
  const deploy = target.product.manifest.spec.deploy;
  if (!deploy) throw new Error(`${target.product.id} has no deploy block`);
  const environment = deploy.environments[target.environment];
  const { vars, secrets } = splitVars({ ...(deploy.vars ?? {}), ...(environment?.vars ?? {}) });
  const secretEnv: Record<string, string> = {};
  for (const [name, ref] of Object.entries(secrets)) {
    const key = 'env' in ref ? ref.env : name.toUpperCase();
    secretEnv[key] = await resolveSecret(ref, { env: target.env, baseDir: target.fleetDir });
  }
  const request: PlaybookRequest = {
    playbook: locate(deploy.playbook, releaseDir, target.fleetDir),
    baseDir: releaseDir,
    vars: {
      ...vars,
      codemonkeys: {
        product: target.product.id,
        environment: target.environment,
        version: target.release.version,
        tag: target.release.tag,
        commit: target.release.commit,
        release_dir: releaseDir,
      },
    },
    secretEnv,
  };
  const inventory = environment?.inventory ?? deploy.inventory;
  if (inventory !== undefined) request.inventory = locate(inventory, releaseDir, target.fleetDir);
  return request;
}

/**
 * A playbook or inventory path as the spec gives it: inside the product repo at the release
 * (versioned with the code it deploys) when it is there, else in the fleet repo, else as given
 * (a library playbook's name; the runner says where it looked when it finds nothing).
 */
function locate(path: string, releaseDir: string, fleetDir: string): string {
  if (isAbsolute(path) || existsSync(join(releaseDir, path))) return path;
  const inFleet = join(fleetDir, path);
  return existsSync(inFleet) ? inFleet : path;
}

/** A var whose value is exactly `{ env: NAME }` or `{ file: path }` is a secret reference. */
export function splitVars(all: Vars): { vars: Record<string, unknown>; secrets: Record<string, SecretRef> } {
  const vars: Record<string, unknown> = {};
  const secrets: Record<string, SecretRef> = {};
  for (const [name, value] of Object.entries(all)) {
    if (isSecretRef(value)) secrets[name] = value;
    else vars[name] = value;
  }
  return { vars, secrets };
}
