import type { Action } from '../../actions/action.js';
import type { BuildRequest, BuildSpecHash } from '../../backends/ci.js';
import { CodemonkeysError } from '../../errors.js';
import type { SecretRef } from '../../fleet/model.js';
import { resolveSecret } from '../../secrets/resolve.js';
import type { ActuateContext } from '../actuator.js';
import { ciService } from './ci.js';

interface BuildTriggerParams {
  ci: string;
  repoUrl: string;
  branch: string;
  commit: string;
  steps: string[];
  timeoutMs: number;
  env: Record<string, string | SecretRef>;
  /** The hashes of the spec the above come from; absent in a plan saved before triggers carried them. */
  spec?: BuildSpecHash;
  artifacts?: string[];
}

/** build.trigger: starts the build of the commit on the product's CI backend (returns once it is queued). */
export async function triggerBuild(action: Action, context: ActuateContext): Promise<unknown> {
  const params = action.params as unknown as BuildTriggerParams;
  const backend = context.services.get(ciService).get(params.ci);
  if (!backend) {
    throw new CodemonkeysError(`no ${params.ci} CI backend is configured`, {
      reason: 'CiBackendMissing',
      next: 'stalled',
    });
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(params.env)) {
    env[name] =
      typeof value === 'string'
        ? value
        : await resolveSecret(value, { env: context.env, baseDir: context.fleetDir });
  }
  const request: BuildRequest = {
    product: action.product,
    repoUrl: params.repoUrl,
    branch: params.branch,
    commit: params.commit,
    steps: params.steps,
    timeoutMs: params.timeoutMs,
    env,
    // Planned only from the pass's observation of no queued or running build of the commit; a
    // trigger lost to a crash is found by the next pass's observation, never started twice.
    seenIdle: true,
  };
  if (params.spec) request.spec = params.spec;
  if (params.artifacts) request.artifacts = params.artifacts;
  const record = await backend.trigger(request);
  return { buildId: record.buildId, state: record.state, logRef: record.logRef, spec: params.spec?.hash };
}

/** build.configure: makes the product's job on its CI backend match the spec (created or updated). */
export async function configureJob(action: Action, context: ActuateContext): Promise<unknown> {
  const ci = String(action.params.ci);
  const backend = context.services.get(ciService).get(ci);
  const product = context.fleet.products.get(action.product);
  if (!backend?.configureJob || !product) {
    throw new CodemonkeysError(`no ${ci} backend that keeps jobs is configured for ${action.product}`, {
      reason: 'CiBackendMissing',
      next: 'stalled',
    });
  }
  const seen =
    action.params.job === 'missing' || action.params.job === 'drifted' ? action.params.job : undefined;
  return { job: await backend.configureJob(product, seen) };
}
