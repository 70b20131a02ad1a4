import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/engine/reconcile.js';
import { createLogger } from '../../../src/log/logger.js';
import {
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../../emulators/jenkins/index.js';
import { testClock } from '../../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../../helpers/fleet-repo.js';

const PRODUCTS = ['alpha', 'beta', 'gamma'];
let jenkins: JenkinsEmulator;
let repo: FleetRepo;

beforeAll(async () => {
  jenkins = await startJenkinsEmulator({ executors: 3 });
  repo = await createFleetRepo(PRODUCTS.map((name) => ({ org: 'acme', name, steps: ['true'] })));
  const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
  writeFileSync(
    fleetYaml,
    `${readFileSync(fleetYaml, 'utf8')}  ci:\n    default: jenkins\n    jenkins: { url: "${jenkins.url}", user: ${DEFAULT_JENKINS_USER.name}, token: { env: TEST_JENKINS_TOKEN } }\n`,
  );
  await repo.commitFleet('build on jenkins');
}, 60_000);
afterAll(async () => {
  await jenkins?.stop();
  repo?.cleanup();
});

function run(maxPasses: number) {
  return reconcile({
    clock: testClock(),
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: { ...process.env, TEST_JENKINS_TOKEN: DEFAULT_JENKINS_USER.apiToken },
    logger: createLogger({ level: 'silent' }),
    dryRun: false,
    once: maxPasses === 1,
    maxPasses,
  });
}

describe('an idle reconcile pass over products that build on Jenkins', () => {
  it('costs one request per org folder: every job with its description and builds, in one query', async () => {
    expect((await run(100)).converged).toBe(true);
    jenkins.resetRequestLog();
    const idle = await run(1);
    expect(idle.executed).toEqual([]);
    expect(idle.converged).toBe(true);
    expect(jenkins.requests.map((request) => request.key)).toEqual(['GET /job/acme/api/json']);
    expect(decodeURIComponent(jenkins.requests[0]?.query ?? '')).toMatch(
      /^tree=jobs\[name,description,builds\[.*\]\{0,20\},queueItem\[/,
    );
  }, 60_000);
});
