import type { BuildRecord, JobState } from '../../backends/ci.js';
import { repoMirrorDir } from '../../backends/git/mirror.js';
import { branchHeads, branchNotFound, resolveRepoUrl } from '../../backends/git/remote.js';
import { CodemonkeysError } from '../../errors.js';
import type { CiBackendName, Product } from '../../fleet/model.js';
import type { ObserveContext } from '../facet.js';
import { ciService } from './ci.js';
import {
  fleetCheckout,
  JENKINSFILE_BRANCH,
  type JenkinsfileObservation,
  observeJenkinsfile,
} from './jenkinsfile.js';
import type { BuildMemory } from './memory.js';

/**
 * What the build facet sees: the branch head and the newest build of that commit, with the hashes
 * of the build spec it was made with (`build.spec`, when the backend recorded them).
 */
export interface BuildObservation {
  ci: CiBackendName;
  repoUrl: string;
  branch: string;
  head: string;
  build: BuildRecord | null;
  /** For backends that keep a job per product (Jenkins): whether it matches the spec. */
  job?: JobState;
  /** For products built on Jenkins: the committed Jenkinsfile against the generated one. */
  jenkinsfile?: JenkinsfileObservation;
}

/** The backend a product builds on: its own `build.ci`, else the fleet's default, else local. */
export function ciOf(product: Product, context: Pick<ObserveContext, 'fleet'>): CiBackendName {
  return product.manifest.spec.build?.ci ?? context.fleet.fleet.manifest.spec.ci?.default ?? 'local';
}

/**
 * Tells each CI backend which of its products' jobs the pass is about to look at (prepareJobs),
 * with every product of the fleet that builds there.
 */
export function prepareBuilds(products: readonly Product[], context: ObserveContext): void {
  const byBackend = new Map<CiBackendName, { looked: Product[]; known: Product[] }>();
  const entry = (ci: CiBackendName) => {
    const found = byBackend.get(ci) ?? { looked: [], known: [] };
    byBackend.set(ci, found);
    return found;
  };
  for (const product of products) entry(ciOf(product, context)).looked.push(product);
  for (const product of context.fleet.products.values()) {
    if (product.manifest.spec.build !== undefined) entry(ciOf(product, context)).known.push(product);
  }
  for (const [ci, { looked, known }] of byBackend) {
    if (looked.length > 0) context.services.get(ciService).get(ci)?.prepareJobs?.(looked, known);
  }
}

/** Reads the branch head from the product repo and the build of that commit from its CI backend. */
export async function observeBuild(product: Product, context: ObserveContext): Promise<BuildObservation> {
  const ci = ciOf(product, context);
  const backend = context.services.get(ciService).get(ci);
  if (!backend) {
    throw new CodemonkeysError(`${product.id} builds on ${ci}, and no ${ci} backend is configured`, {
      reason: 'CiBackendMissing',
      next: 'stalled',
    });
  }
  const repoUrl = resolveRepoUrl(product.manifest.spec.repo.url, context.fleetDir);
  const branch = product.manifest.spec.repo.branch ?? 'main';
  const jenkins = ci === 'jenkins';
  const memory = context.memories?.get('build') as BuildMemory | undefined;
  const heads = await (memory ? memory.heads.bind(memory) : branchHeads)(
    repoUrl,
    jenkins ? [branch, JENKINSFILE_BRANCH] : [branch],
  );
  const head = heads.get(branch);
  if (head === undefined) throw branchNotFound(repoUrl, branch);
  let observed: BuildObservation;
  if (backend.observeJob) {
    // One look for both: on Jenkins, a request per product per pass.
    const { job, build } = await backend.observeJob(product, head);
    observed = { ci, repoUrl, branch, head, build: build ?? null, job };
  } else {
    observed = { ci, repoUrl, branch, head, build: (await backend.observe(product.id, head)) ?? null };
  }
  if (jenkins) {
    const repo = { url: repoUrl, head, proposalHead: heads.get(JENKINSFILE_BRANCH) };
    observed.jenkinsfile = await observeJenkinsfile(
      product,
      repo,
      repoMirrorDir(context.env),
      fleetCheckout(context.fleet, product),
    );
  }
  return observed;
}
