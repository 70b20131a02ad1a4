import type { BuildRecord, CiBackend } from '../backends/ci.js';
import { JenkinsCi } from '../backends/jenkins/ci.js';
import { JenkinsApi } from '../backends/jenkins/client.js';
import { LocalCi } from '../backends/localci/index.js';
import type { Fleet } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import { describeSecretRef, resolveSecret } from '../secrets/resolve.js';

/**
 * The CI backends of a fleet: always the local runner; Jenkins when fleet.yaml configures it.
 * A Jenkins whose token cannot be resolved is still registered, as a backend whose every call
 * fails with the reason, so the products that build there say why and the others go on.
 */
export async function ciBackends(
  fleet: Fleet,
  context: {
    stateDir: string;
    fleetDir: string;
    env: NodeJS.ProcessEnv;
    logger: Logger;
    concurrency: number;
  },
): Promise<Map<string, CiBackend>> {
  const backends = new Map<string, CiBackend>([
    [
      'local',
      new LocalCi({
        stateDir: `${context.stateDir}/ci`,
        logger: context.logger,
        maxConcurrent: context.concurrency,
      }),
    ],
  ]);
  const jenkins = fleet.fleet.manifest.spec.ci?.jenkins;
  if (!jenkins) return backends;
  try {
    const token = jenkins.token
      ? await resolveSecret(jenkins.token, { env: context.env, baseDir: context.fleetDir })
      : undefined;
    const api = new JenkinsApi({
      url: jenkins.url,
      user: jenkins.user,
      token,
      tokenSource: jenkins.token ? describeSecretRef(jenkins.token) : undefined,
    });
    backends.set('jenkins', new JenkinsCi({ api, folder: jenkins.folder }));
  } catch (error) {
    backends.set('jenkins', unavailable(error));
  }
  return backends;
}

function unavailable(error: unknown): CiBackend {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return {
    name: 'jenkins',
    observe: fail as () => Promise<BuildRecord | undefined>,
    trigger: fail as () => Promise<BuildRecord>,
    log: fail as () => Promise<{ text: string; nextOffset: number; more: boolean }>,
  };
}
