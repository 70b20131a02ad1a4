import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import semver from 'semver';
import { gitPlaceOf, headBranch, uncommittedChange } from '../backends/git/commit-file.js';
import { ensureMirror } from '../backends/git/mirror.js';
import { resolveRepoUrl } from '../backends/git/remote.js';
import { releases, tagFormatOf } from '../backends/git/tags.js';
import { InvalidFleetError } from '../engine/runtime.js';
import { CodemonkeysError, UsageError } from '../errors.js';
import { repoAccessService } from '../facets/repo-access.js';
import { loadFleet } from '../fleet/load.js';
import type { Fleet, Product } from '../fleet/model.js';
import { type PinResult, pinEnvironments } from '../fleet/pin-versions.js';
import { fleetCacheDir } from '../fleet/source.js';
import { suggest } from '../fleet/suggest.js';
import { redactor } from '../log/redact.js';
import { statePath } from '../store/location.js';
import type { CommandContext } from './context.js';

/** What a rollback would commit, worked out and checked; nothing is written yet. */
export interface RollbackPlan {
  fleet: Fleet;
  product: Product;
  version: string;
  target: CommitTarget;
  /** The manifest's text as the fleet repo holds it. */
  before: string;
  pin: PinResult;
}

/** Loads the fleet and refuses, before anything is written, every rollback that cannot be right. */
export async function planRollback(
  context: CommandContext,
  productId: string,
  to: string,
  names: readonly string[],
): Promise<RollbackPlan> {
  const version = parseVersion(to);
  const { io } = context;
  const loaded = await loadFleet({
    fleet: context.globals().fleet,
    cwd: io.cwd,
    env: io.env,
    now: io.clock(),
  });
  if (!loaded.fleet) throw new InvalidFleetError(loaded.problems, loaded.revision);
  const fleet = loaded.fleet;
  const product = findProduct(fleet, productId);
  const environments = chooseEnvironments(product, names);
  const target = await commitTarget(fleet, io.env);
  if (target.kind === 'work-tree') await refuseUncommitted(target.dir, product.file, io.env);
  await refuseUnreleased(context, fleet, product, version);
  const before = loaded.sources.get(product.file) as string;
  return { fleet, product, version, target, before, pin: pinEnvironments(before, environments, version) };
}

/** `1.4.0` or `v1.4.0` → `1.4.0`; anything else is refused. */
function parseVersion(value: string): string {
  const version = value.startsWith('v') ? value.slice(1) : value;
  if (semver.valid(version) !== version)
    throw new UsageError(`--to '${value}' is not a semantic version: expected one such as 1.4.0 or v1.4.0`);
  return version;
}

function findProduct(fleet: Fleet, id: string): Product {
  const product = fleet.products.get(id);
  if (product) {
    if (!product.manifest.spec.deploy)
      throw new UsageError(
        `${id} has no spec.deploy (${product.file}): it is never deployed, so there is nothing to roll back`,
      );
    return product;
  }
  const ids = [...fleet.products.keys()];
  const byName = ids.filter((each) => each.split('/')[1] === id);
  const close = byName.length === 1 ? byName[0] : suggest(id, ids);
  throw new UsageError(`no product ${id} in the fleet repo${close ? `; did you mean ${close}?` : ''}`);
}

/** The environments named with --environment (each must exist), or undefined for all of them. */
function chooseEnvironments(product: Product, names: readonly string[]): string[] | undefined {
  if (names.length === 0) return undefined;
  const known = Object.keys(product.manifest.spec.deploy?.environments ?? {});
  for (const name of names) {
    if (known.includes(name)) continue;
    const close = suggest(name, known);
    throw new UsageError(
      `${product.id} has no environment ${name} (it has ${known.join(', ')})${close ? `; did you mean ${close}?` : ''}`,
    );
  }
  return [...new Set(names)];
}

/** Where the pin is committed: the work tree itself, or a bare repository whose branch it is pushed to. */
export type CommitTarget =
  | { kind: 'work-tree'; dir: string }
  | { kind: 'remote' | 'bare'; gitDir: string; branch: string; pushUrl: string };

async function commitTarget(fleet: Fleet, env: NodeJS.ProcessEnv): Promise<CommitTarget> {
  const shown = redactor.redactText(fleet.source);
  const local = existsSync(fleet.source);
  const place = local ? await gitPlaceOf(fleet.source, env) : 'remote';
  if (place === undefined)
    throw new UsageError(
      `fleet repo ${shown} is not in git: rollback commits its change, for a reviewer to see; make it a git repository first`,
    );
  if (place === 'work-tree') return { kind: 'work-tree', dir: fleet.source };
  const gitDir = local
    ? fleet.source
    : await ensureMirror(fleet.source, fleetCacheDir(env), fleet.revision as string);
  const branch = await headBranch(gitDir, env);
  if (branch === undefined)
    throw new CodemonkeysError(`fleet repo ${shown} has no branch at HEAD to commit to`, {
      reason: 'DetachedHead',
    });
  return { kind: place === 'bare' ? 'bare' : 'remote', gitDir, branch, pushUrl: fleet.source };
}

async function refuseUncommitted(dir: string, file: string, env: NodeJS.ProcessEnv): Promise<void> {
  const change = await uncommittedChange(dir, file, env);
  if (change === undefined) return;
  throw new UsageError(
    change === 'untracked'
      ? `${file} is not committed in ${dir}: commit it first, so that the rollback is a change against it`
      : `${file} has uncommitted changes in ${dir}: commit or discard them first, so that the rollback commit holds only the pin`,
  );
}

/** The version must be a release of the product: a tag of its repository in its tag format. */
async function refuseUnreleased(
  context: CommandContext,
  fleet: Fleet,
  product: Product,
  version: string,
): Promise<void> {
  const { io } = context;
  // Relative repository URLs resolve as the reconciler resolves them: against the fleet's folder, or the working directory for a URL.
  const fleetDir = existsSync(fleet.source) ? fleet.source : resolve(io.cwd);
  const path = statePath(fleetDir, fleet.fleet.manifest.spec.state?.sqlite, io.env);
  // A private product repository is read with its org's credential, as the reconciler reads it.
  await repoAccessService.open({
    fleet,
    fleetDir,
    stateDir: dirname(path),
    statePath: path,
    readOnly: true,
    env: io.env,
    logger: context.logger(),
    concurrency: 1,
    clock: io.clock,
  });
  const spec = product.manifest.spec;
  const repoUrl = resolveRepoUrl(spec.repo.url, fleetDir);
  const tagFormat = tagFormatOf(product);
  const all = await releases(repoUrl, tagFormat);
  if (all.some((release) => release.version === version)) return;
  const newest = all.slice(0, 5).map((release) => release.version);
  throw new CodemonkeysError(
    `${product.id} has no release ${version}: no tag ${tagFormat.replace('{version}', version)} in ${redactor.redactText(repoUrl)}${newest.length > 0 ? ` (newest releases: ${newest.join(', ')})` : ' (it has no releases yet)'}`,
    { reason: 'ReleaseNotFound' },
  );
}
