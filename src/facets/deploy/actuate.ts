import { join } from 'node:path';
import type { Action } from '../../actions/action.js';
import { resolveRepoUrl } from '../../backends/git/remote.js';
import { CodemonkeysError } from '../../errors.js';
import type { ActuateContext } from '../actuator.js';
import { ansibleService } from './ansible.js';
import { playbookRequest, releaseCheckout } from './inputs.js';

interface DeployParams {
  environment: string;
  version: string;
  tag: string;
  commit: string;
}

/**
 * deploy.apply: runs the product's playbook for real with the planned release, then checks it
 * converged. The journal keeps what it returns — environment, version, commit, hosts — as the
 * record of what was deployed.
 */
export async function applyDeploy(action: Action, context: ActuateContext): Promise<unknown> {
  const params = action.params as unknown as DeployParams;
  const product = context.fleet.products.get(action.product);
  if (!product?.manifest.spec.deploy?.environments[params.environment]) {
    throw new CodemonkeysError(`${action.product} no longer deploys to ${params.environment}`, {
      reason: 'PlanOutdated',
      next: 'stalled',
    });
  }
  const ansible = context.services.get(ansibleService);
  const repoUrl = resolveRepoUrl(product.manifest.spec.repo.url, context.fleetDir);
  const release = { version: params.version, tag: params.tag, commit: params.commit };
  const releaseDir = await releaseCheckout(repoUrl, release.commit, context.env);
  const request = await playbookRequest(
    {
      product,
      environment: params.environment,
      release,
      fleetDir: context.fleetDir,
      repoUrl,
      env: context.env,
    },
    releaseDir,
  );
  // Detached: the playbook goes on if the reconciler dies, and a restarted one waits for it or
  // reads how it ended, rather than deploying a second time (see ActuateContext.actionDir).
  const detachedDir = context.actionDir === undefined ? undefined : join(context.actionDir, 'playbook');
  const result = await ansible.apply({ ...request, detachedDir });
  // A deploy is done when a check of it wants nothing more; a playbook that always changes
  // something would otherwise be deployed again on every pass.
  const after = await ansible.check(request);
  const again = after.tasks.filter((task) => task.status === 'changed');
  if (again.length > 0) {
    const tasks = again.slice(0, 3).map((task) => `${task.task} on ${task.host}`);
    throw new CodemonkeysError(
      `deployed ${params.version} to ${params.environment}, but a check right after still wants changes (${tasks.join(', ')}): is the playbook idempotent?`,
      { reason: 'DeployNotConverging', next: 'stalled' },
    );
  }
  return {
    environment: params.environment,
    version: params.version,
    commit: params.commit,
    hosts: Object.keys(result.hosts),
    changedTasks: result.tasks.filter((task) => task.status === 'changed').length,
    durationMs: result.durationMs,
  };
}
