import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type ReconcileOptions, type ReconcileResult, reconcile } from '../../src/engine/reconcile.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import {
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../emulators/jenkins/index.js';
import { ensureBuilt } from './build.js';
import { testClock } from './clock.js';
import { createFleetRepo, type FleetRepo, type ProductRepoDef } from './fleet-repo.js';

/** The variable the fleets below name as the Jenkins token's secret reference. */
export const JENKINS_TOKEN_VARIABLE = 'TEST_JENKINS_TOKEN';

/**
 * A fleet repo whose products build on the emulated Jenkins, as `codemonkeys` user with the token
 * from TEST_JENKINS_TOKEN, in their own top folder (so fleets sharing one emulator never meet).
 */
export async function createJenkinsFleet(
  jenkins: Pick<JenkinsEmulator, 'url'>,
  options: { folder: string; products?: ProductRepoDef[]; constitution?: string },
): Promise<FleetRepo> {
  const repo = await createFleetRepo(
    options.products ?? [
      { org: 'acme', name: 'widget', steps: ['test -f README.md', 'echo built on jenkins'] },
    ],
    options.constitution,
  );
  const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
  writeFileSync(
    fleetYaml,
    `${readFileSync(fleetYaml, 'utf8')}  ci:\n    default: jenkins\n    jenkins: { url: "${jenkins.url}", user: ${DEFAULT_JENKINS_USER.name}, token: { env: ${JENKINS_TOKEN_VARIABLE} }, folder: ${options.folder} }\n`,
  );
  await repo.commitFleet('build on jenkins');
  return repo;
}

/** Reconciles a Jenkins fleet until it converges (at most 100 passes), with `token` as the API token. */
export function reconcileJenkinsFleet(
  repo: FleetRepo,
  token: string,
  options: Partial<ReconcileOptions> & { logger?: Logger } = {},
): Promise<ReconcileResult> {
  return reconcile({
    clock: testClock(),
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: { ...process.env, [JENKINS_TOKEN_VARIABLE]: token },
    logger: createLogger({ level: 'silent' }),
    dryRun: false,
    once: false,
    maxPasses: 100,
    ...options,
  });
}

/**
 * One emulated Jenkins for a test file: built program and emulator ready before its tests
 * (`started` receives the emulator), after each test its faults cleared, Jenkins back up and the
 * fleets in `repos` removed, and the emulator stopped at the end.
 */
export function useEmulatedJenkins(repos: FleetRepo[], started: (jenkins: JenkinsEmulator) => void): void {
  let jenkins: JenkinsEmulator | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    jenkins = await startJenkinsEmulator();
    started(jenkins);
  }, 120_000);
  afterEach(async () => {
    jenkins?.clearFaults();
    await jenkins?.comeBack();
    for (const repo of repos.splice(0)) repo.cleanup();
  });
  afterAll(() => jenkins?.stop());
}
