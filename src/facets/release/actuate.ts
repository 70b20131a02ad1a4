import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Action } from '../../actions/action.js';
import { createWorktree, ensureMirror, removeWorktree, repoMirrorDir } from '../../backends/git/mirror.js';
import { resolveRepoUrl } from '../../backends/git/remote.js';
import { checkExistingTag, commitTagAndPush } from '../../backends/git/tag-release.js';
import { releases, tagFormatOf } from '../../backends/git/tags.js';
import { CodemonkeysError } from '../../errors.js';
import type { Product } from '../../fleet/model.js';
import type { ActuateContext } from '../actuator.js';
import { ciService } from '../build/ci.js';
import { ciOf } from '../build/observe.js';
import { ansibleService } from '../deploy/ansible.js';
import { releaseCheckout } from '../deploy/inputs.js';
import { updateChangelog } from './changelog.js';
import { publishRequest, registryLabel } from './registries.js';
import { bumpVersionFiles } from './version-files.js';

interface CutParams {
  version: string;
  tag: string;
  base: string;
  branch: string;
  notes: string;
}

/**
 * release.cut: on top of the commit the release was planned from, bumps the version files the
 * product has, puts the notes at the top of its CHANGELOG.md, commits, tags (annotated) and
 * pushes both at once. Exactly once: a tag that exists already and is this release (a retry after
 * a crash) is done; a tag of that name elsewhere stalls, naming both commits.
 */
export async function cutRelease(action: Action, context: ActuateContext): Promise<unknown> {
  const params = action.params as unknown as CutParams;
  const product = productOf(action, context);
  const repoUrl = resolveRepoUrl(product.manifest.spec.repo.url, context.fleetDir);
  const mirrors = repoMirrorDir(context.env);
  const existing = (await releases(repoUrl, tagFormatOf(product))).find((each) => each.tag === params.tag);
  if (existing) {
    const gitDir = await ensureMirror(repoUrl, mirrors, existing.commit);
    await checkExistingTag(gitDir, existing, params.base, releaseSubject(params.version));
    return { version: params.version, tag: params.tag, commit: existing.commit, outcome: 'already-tagged' };
  }
  const gitDir = await ensureMirror(repoUrl, mirrors, params.base);
  const work = join(context.actionDir ?? join(context.stateDir, 'tmp'), 'cut');
  await mkdir(join(work, '..'), { recursive: true });
  await createWorktree(gitDir, params.base, work);
  try {
    const path = product.manifest.spec.release?.path;
    const folder = path === undefined ? work : join(work, path);
    const files = (await bumpVersionFiles(folder, params.version)).map((file) => inRepo(path, file));
    const changelog = join(folder, 'CHANGELOG.md');
    const before = existsSync(changelog) ? await readFile(changelog, 'utf8') : undefined;
    await mkdir(folder, { recursive: true });
    await writeFile(changelog, updateChangelog(before, params.notes, params.version));
    files.push(inRepo(path, 'CHANGELOG.md'));
    const commit = await commitTagAndPush({
      dir: work,
      repoUrl,
      base: params.base,
      branch: params.branch,
      tag: params.tag,
      files,
      message: `${releaseSubject(params.version)}\n\n${params.notes}`,
      date: context.now(),
    });
    return {
      version: params.version,
      tag: params.tag,
      commit,
      files,
      outcome: 'tagged',
      notes: params.notes,
    };
  } finally {
    await removeWorktree(gitDir, work);
  }
}

interface PublishParams {
  registry: number;
  version: string;
  tag: string;
  commit: string;
}

/**
 * release.publish: runs the registry's library playbook with the release checked out at its tag.
 * Exactly once: the journal's key, and the playbook asks the registry first: a version already
 * there is done (`already-published`), not an error. Detached, like a deploy, so a restarted
 * reconciler waits for a publish under way rather than starting a second.
 */
export async function publishRelease(action: Action, context: ActuateContext): Promise<unknown> {
  const params = action.params as unknown as PublishParams;
  const product = productOf(action, context);
  const registry = product.manifest.spec.release?.registries?.[params.registry];
  if (!registry) {
    throw new CodemonkeysError(`${action.product} no longer has registry ${params.registry + 1}`, {
      reason: 'PlanOutdated',
      next: 'stalled',
    });
  }
  const repoUrl = resolveRepoUrl(product.manifest.spec.repo.url, context.fleetDir);
  const releaseDir = await releaseCheckout(repoUrl, params.commit, context.env);
  const request = await publishRequest(registry, {
    product,
    version: params.version,
    releaseDir,
    fleetDir: context.fleetDir,
    env: context.env,
    artifactsDir: await keptArtifacts(product, params.commit, context),
  });
  const detachedDir = context.actionDir === undefined ? undefined : join(context.actionDir, 'playbook');
  const result = await context.services.get(ansibleService).apply({ ...request, detachedDir });
  const published = result.tasks.some(
    (task) => task.status === 'changed' && /^(Publish|Upload|Push)\b/.test(task.task),
  );
  return {
    version: params.version,
    registry: registryLabel(registry),
    outcome: published ? 'published' : 'already-published',
    durationMs: result.durationMs,
  };
}

/** What the build of the released commit kept (the publish waited for it to be green). */
async function keptArtifacts(
  product: Product,
  commit: string,
  context: ActuateContext,
): Promise<string | undefined> {
  if (!product.manifest.spec.build?.artifacts?.length) return undefined;
  const backend = context.services.get(ciService).get(ciOf(product, context));
  const build = await backend?.observe(product.id, commit);
  return build?.state === 'succeeded' ? build.artifacts : undefined;
}

export function productOf(action: Action, context: ActuateContext): Product {
  const product = context.fleet.products.get(action.product);
  if (!product?.manifest.spec.release) {
    throw new CodemonkeysError(`${action.product} no longer has a release block`, {
      reason: 'PlanOutdated',
      next: 'stalled',
    });
  }
  return product;
}

/** The subject of a release commit: how a retry knows its own. */
function releaseSubject(version: string): string {
  return `chore(release): ${version}`;
}

function inRepo(path: string | undefined, file: string): string {
  return path === undefined ? file : `${path.replace(/\/+$/, '')}/${file}`;
}
