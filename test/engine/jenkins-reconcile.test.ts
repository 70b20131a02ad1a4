import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/engine/reconcile.js';
import { createLogger } from '../../src/log/logger.js';
import { reconcileOnJenkinsNotification } from '../../src/server/jenkins-notifications.js';
import {
  DEFAULT_JENKINS_USER,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../emulators/jenkins/index.js';
import { testClock } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';
import { createJenkinsFleet, reconcileJenkinsFleet, useEmulatedJenkins } from '../helpers/jenkins-fleet.js';

const logger = createLogger({ level: 'silent' });
let jenkins: JenkinsEmulator;
const repos: FleetRepo[] = [];
useEmulatedJenkins(repos, (started) => {
  jenkins = started;
});

/** A fleet whose product builds on the emulated Jenkins, in a top folder of its own. */
async function jenkinsFleet(): Promise<FleetRepo> {
  const repo = await createJenkinsFleet(jenkins, { folder: `fleet-${repos.length + 1}` });
  repos.push(repo);
  return repo;
}

/** The build actions executed, as `kind outcome` (the Jenkinsfile proposal has tests of its own). */
function builds(executed: { kind: string; outcome: string }[]): string[] {
  return executed.filter((action) => action.kind.startsWith('build.')).map((a) => `${a.kind} ${a.outcome}`);
}

const run = reconcileJenkinsFleet;

describe('reconciling products that build on Jenkins', () => {
  it('creates the job, builds the head once on Jenkins, and converges to Ready', async () => {
    const repo = await jenkinsFleet();
    const result = await run(repo, DEFAULT_JENKINS_USER.apiToken);
    expect(result.converged).toBe(true);
    expect(builds(result.executed)).toEqual(['build.configure succeeded', 'build.trigger succeeded']);
    expect(result.conditions.get('acme/widget')?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
    });
    const job = jenkins.jobs().find((item) => item.fullName === `fleet-${repos.length}/acme/widget`);
    expect(job?.builds.map((build) => build.result)).toEqual(['SUCCESS']);
    expect(job?.builds[0]?.log).toContain('built on jenkins');
    const again = await run(repo, DEFAULT_JENKINS_USER.apiToken);
    expect(again.executed).toEqual([]);
  });

  it('recreates a job deleted behind its back, and builds the head there again', async () => {
    const repo = await jenkinsFleet();
    await run(repo, DEFAULT_JENKINS_USER.apiToken);
    jenkins.deleteItem(`fleet-${repos.length}/acme/widget`);
    const result = await run(repo, DEFAULT_JENKINS_USER.apiToken);
    expect(result.converged).toBe(true);
    expect(builds(result.executed)).toEqual(['build.configure succeeded', 'build.trigger succeeded']);
    expect(
      jenkins
        .jobs()
        .find((item) => item.fullName === `fleet-${repos.length}/acme/widget`)
        ?.builds.map((b) => b.result),
    ).toEqual(['SUCCESS']);
    jenkins.deleteItem(`fleet-${repos.length}/acme/widget`);
    expect((await run(repo, DEFAULT_JENKINS_USER.apiToken)).converged).toBe(true);
  });

  it('stalls on a failed build, naming the failing step, its exit code and the end of its log', async () => {
    const repo = await createJenkinsFleet(jenkins, {
      folder: `fleet-failing-${repos.length + 1}`,
      products: [
        {
          org: 'acme',
          name: 'widget',
          steps: ['echo compiling', 'echo 2 tests failed; exit 3', 'echo never'],
        },
      ],
    });
    repos.push(repo);
    const result = await run(repo, DEFAULT_JENKINS_USER.apiToken);
    const stalled = result.conditions.get('acme/widget')?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'BuildFailed' });
    expect(stalled?.message).toMatch(/failed: step 2 `echo 2 tests failed; exit 3` exited 3\n/);
    expect(stalled?.message).toContain('2 tests failed');
    expect(stalled?.message).not.toContain('never\n');
  });

  it('stalls the product, naming the user and the token variable, when Jenkins refuses the token', async () => {
    const repo = await jenkinsFleet();
    const result = await run(repo, 'wrong-token-value');
    const stalled = result.conditions.get('acme/widget')?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'JenkinsUnauthorized' });
    expect(stalled?.message).toMatch(
      /check user codemonkeys and the API token in environment variable TEST_JENKINS_TOKEN/,
    );
    expect(JSON.stringify(result)).not.toContain('wrong-token-value');
  });
});

describe('Jenkins build notifications', () => {
  it('turn a finished build into a reconcile pass of its product, which then reads Ready', async () => {
    const received: unknown[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const notifying = await startJenkinsEmulator({ notifyUrl: `http://127.0.0.1:${port}/hooks/jenkins` });
    try {
      const repo = await createFleetRepo([{ org: 'acme', name: 'widget' }]);
      repos.push(repo);
      const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
      writeFileSync(
        fleetYaml,
        `${readFileSync(fleetYaml, 'utf8')}  ci:\n    default: jenkins\n    jenkins: { url: "${notifying.url}", user: ${DEFAULT_JENKINS_USER.name}, token: { env: TEST_JENKINS_TOKEN }, folder: hooks }\n`,
      );
      await repo.commitFleet('build on jenkins');
      const env = { ...process.env, TEST_JENKINS_TOKEN: DEFAULT_JENKINS_USER.apiToken };
      const first = await reconcile({
        clock: testClock(),
        fleet: repo.fleetDir,
        cwd: repo.root,
        env,
        logger,
        dryRun: false,
        once: true,
        maxPasses: 1,
      });
      expect(builds(first.executed)).toEqual(['build.configure succeeded', 'build.trigger succeeded']);
      await notifying.waitForIdle();
      const finalized = received.filter(
        (body) => (body as { build: { phase: string } }).build.phase === 'FINALIZED',
      );
      expect(finalized).toHaveLength(1);
      const options = {
        fleet: repo.fleetDir,
        cwd: repo.root,
        env,
        logger,
        clock: testClock(),
        folder: 'hooks',
      };
      const started = received.find(
        (body) => (body as { build: { phase: string } }).build.phase === 'STARTED',
      );
      expect(await reconcileOnJenkinsNotification(started, options)).toBeUndefined();
      const pass = await reconcileOnJenkinsNotification(finalized[0], options);
      expect(pass?.conditions.get('acme/widget')?.find((c) => c.type === 'Ready')).toMatchObject({
        status: 'True',
      });
    } finally {
      await notifying.stop();
      server.close();
    }
  });
});
