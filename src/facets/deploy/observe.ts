import {
  AnsiblePlaybookFailed,
  deployedVersions,
  type PlaybookResult,
} from '../../backends/ansible/index.js';
import { resolveRepoUrl } from '../../backends/git/remote.js';
import { latestRelease, type Release, releases, tagFormatOf } from '../../backends/git/tags.js';
import type { Product } from '../../fleet/model.js';
import type { ObserveContext } from '../facet.js';
import { ansibleService } from './ansible.js';
import { playbookRequest, releaseCheckout } from './inputs.js';

/** How many changed or failed task results an observation keeps per environment. */
const MAX_RESULTS = 20;

/** One task that would change (check mode) or failed, on one host. */
export interface TaskNote {
  host: string;
  task: string;
  message?: string;
}

/** What the deploy facet sees of one environment. */
export interface EnvironmentObservation {
  environment: string;
  /** `latest` or a pinned version, as the spec says. */
  wanted: string;
  /** The release that version means; absent when there is none (nothing released, no such tag). */
  release?: Release;
  /** What the playbook reported running, per host (its `deployed_version` stat), when it reports it. */
  running: Record<string, string>;
  /** `ansible-playbook --check --diff` with the release: what a deploy would change, or why it cannot. */
  check?: { changed: TaskNote[]; failed: TaskNote[]; hosts: number };
}

export interface DeployObservation {
  environments: EnvironmentObservation[];
}

/**
 * Reads the product's releases (its tags) and, per environment, asks the playbook in check mode
 * what deploying the wanted release would change: drift is a check that would change something.
 */
export async function observeDeploy(product: Product, context: ObserveContext): Promise<DeployObservation> {
  const deploy = product.manifest.spec.deploy;
  if (!deploy) return { environments: [] };
  const runner = context.services.get(ansibleService);
  const repoUrl = resolveRepoUrl(product.manifest.spec.repo.url, context.fleetDir);
  const all = await releases(repoUrl, tagFormatOf(product));
  const env = context.env ?? process.env;
  const environments: EnvironmentObservation[] = [];
  for (const [environment, wanted] of Object.entries(deploy.environments)) {
    const release = chooseRelease(all, wanted.version);
    const observed: EnvironmentObservation = { environment, wanted: wanted.version, running: {} };
    environments.push(observed);
    if (!release) continue;
    observed.release = release;
    const releaseDir = await releaseCheckout(repoUrl, release.commit, env);
    const request = await playbookRequest(
      { product, environment, release, fleetDir: context.fleetDir, repoUrl, env },
      releaseDir,
    );
    let result: PlaybookResult;
    try {
      result = await runner.check(request);
    } catch (error) {
      // A task that fails in check mode is something to report, not an observation that failed;
      // a host that cannot be reached is (transient: the next pass looks again).
      if (!(error instanceof AnsiblePlaybookFailed) || error.next === 'transient') throw error;
      result = error.result;
    }
    observed.check = summarize(result);
    observed.running = runningVersions(result);
  }
  return { environments };
}

/** `latest`: the newest release that is not a pre-release; else the release of that exact version. */
export function chooseRelease(all: readonly Release[], wanted: string): Release | undefined {
  if (wanted === 'latest') return latestRelease(all);
  const version = wanted.startsWith('v') ? wanted.slice(1) : wanted;
  return all.find((release) => release.version === version);
}

function summarize(result: PlaybookResult): NonNullable<EnvironmentObservation['check']> {
  const note = (task: PlaybookResult['tasks'][number]): TaskNote =>
    task.message === undefined
      ? { host: task.host, task: task.task }
      : { host: task.host, task: task.task, message: task.message };
  return {
    changed: result.tasks
      .filter((task) => task.status === 'changed')
      .slice(0, MAX_RESULTS)
      .map(note),
    failed: result.failures.slice(0, MAX_RESULTS).map(note),
    hosts: Object.keys(result.hosts).length,
  };
}

/** What each host reported running (the library's deploy playbooks report it with set_stats). */
function runningVersions(result: PlaybookResult): Record<string, string> {
  const running: Record<string, string> = {};
  for (const [host, versions] of Object.entries(deployedVersions(result))) {
    if (versions.deployed !== '') running[host] = versions.deployed;
  }
  return running;
}
