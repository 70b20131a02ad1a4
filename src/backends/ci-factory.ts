import type { CiBackendName, Fleet } from '../fleet/model.js';
import type { Logger } from '../log/logger.js';
import { describeSecretRef, resolveSecret } from '../secrets/resolve.js';
import type { Clock } from '../util/clock.js';
import type { BuildRecord, CiBackend } from './ci.js';
import { JenkinsCi } from './jenkins/ci.js';
import { JenkinsApi } from './jenkins/client.js';
import { LocalCi } from './localci/index.js';

/** What a CI backend is made with. */
export interface CiContext {
  /** Folder of the state database; the local runner keeps its builds in `<stateDir>/ci`. */
  stateDir: string;
  fleetDir: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Builds the local runner runs at once. */
  concurrency: number;
  /** When Jenkins builds are said to have been queued. */
  clock: Clock;
}

/** Makes one backend for a fleet; undefined when the fleet does not configure it. */
type CiFactory = (fleet: Fleet, context: CiContext) => Promise<CiBackend | undefined>;

/** Every CI backend, by the name fleet.yaml's `ci.default` and a product's `build.ci` use. */
const CI_FACTORIES: ReadonlyMap<CiBackendName, CiFactory> = new Map<CiBackendName, CiFactory>([
  ['local', openLocal],
  ['jenkins', openJenkins],
]);

/** The CI backends of a fleet, by name: always the local runner; Jenkins when fleet.yaml configures it. */
export async function createCiBackends(fleet: Fleet, context: CiContext): Promise<Map<string, CiBackend>> {
  const backends = new Map<string, CiBackend>();
  for (const [name, factory] of CI_FACTORIES) {
    const backend = await factory(fleet, context);
    if (backend) backends.set(name, backend);
  }
  return backends;
}

async function openLocal(_fleet: Fleet, context: CiContext): Promise<CiBackend> {
  return new LocalCi({
    stateDir: `${context.stateDir}/ci`,
    logger: context.logger,
    maxConcurrent: context.concurrency,
  });
}

/**
 * Jenkins when fleet.yaml configures it. One whose token cannot be resolved is still registered,
 * as a backend whose every call fails with the reason, so the products that build there say why
 * and the others go on.
 */
async function openJenkins(fleet: Fleet, context: CiContext): Promise<CiBackend | undefined> {
  const jenkins = fleet.fleet.manifest.spec.ci?.jenkins;
  if (!jenkins) return undefined;
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
    return new JenkinsCi({
      api,
      folder: jenkins.folder,
      clock: context.clock,
      credentials: jenkins.credentials,
    });
  } catch (error) {
    return unavailable(error);
  }
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
