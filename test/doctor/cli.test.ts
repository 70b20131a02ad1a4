import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_JENKINS_USER,
  JENKINS_VERSION,
  type JenkinsEmulator,
  startJenkinsEmulator,
} from '../emulators/jenkins/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { runCli } from '../helpers/cli.js';
import type { FleetRepo } from '../helpers/fleet-repo.js';
import { createJenkinsFleet, JENKINS_TOKEN_VARIABLE } from '../helpers/jenkins-fleet.js';

const WRONG_TOKEN = 'revoked-3b9e7f21c04d-token';
let jenkins: JenkinsEmulator;
let repo: FleetRepo;

beforeAll(async () => {
  await ensureBuilt();
  jenkins = await startJenkinsEmulator();
  repo = await createJenkinsFleet(jenkins, { folder: 'doctor' });
}, 120_000);
afterAll(async () => {
  await jenkins?.stop();
  repo?.cleanup();
});

interface JsonReport {
  ok: boolean;
  servers: {
    kind: string;
    url: string;
    status: string;
    version: string | null;
    user: string | null;
    message: string | null;
  }[];
}

function doctor(format: 'json' | 'text', env: Record<string, string>) {
  return runCli(['doctor', '--format', format, '--fleet', repo.fleetDir], { env });
}

describe('codemonkeys doctor with a fleet that builds on Jenkins', () => {
  it('reports the Jenkins version and the user its token belongs to, and exits 0', async () => {
    const run = await doctor('json', { [JENKINS_TOKEN_VARIABLE]: DEFAULT_JENKINS_USER.apiToken });
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.servers).toEqual([
      {
        kind: 'jenkins',
        url: jenkins.url.replace(/\/$/, ''),
        status: 'ok',
        version: JENKINS_VERSION,
        user: DEFAULT_JENKINS_USER.name,
        message: `authenticated as ${DEFAULT_JENKINS_USER.name}; the 7 plugins builds need are active`,
      },
    ]);
    expect(report.ok).toBe(true);
    expect(run.exitCode).toBe(0);
  });

  it('says whose credentials were refused and where the token comes from, never the token, and exits 1', async () => {
    const run = await doctor('text', { [JENKINS_TOKEN_VARIABLE]: WRONG_TOKEN });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      `credentials refused (HTTP 401): check user ${DEFAULT_JENKINS_USER.name} and the API token in environment variable ${JENKINS_TOKEN_VARIABLE}`,
    );
    expect(run.stdout).toMatch(/not ok: .*server not answering as it should: jenkins/);
    expect(`${run.stdout}${run.stderr}`).not.toContain(WRONG_TOKEN);
  });

  it('reports a token variable that is not set without probing Jenkins', async () => {
    jenkins.resetRequestLog();
    const run = await doctor('json', {});
    const [check] = (JSON.parse(run.stdout) as JsonReport).servers;
    expect(check).toMatchObject({
      status: 'misconfigured',
      message: `secret from environment variable ${JENKINS_TOKEN_VARIABLE} is not set`,
    });
    expect(run.exitCode).toBe(1);
    expect(jenkins.requests).toEqual([]);
  });

  it('reports a Jenkins that is down as unreachable at its URL, and exits 1', async () => {
    await jenkins.goDown();
    try {
      const run = await doctor('text', { [JENKINS_TOKEN_VARIABLE]: DEFAULT_JENKINS_USER.apiToken });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(
        /jenkins\s+unreachable\s+-\s+http:\/\/127\.0\.0\.1:\d+: cannot connect: connection refused/,
      );
    } finally {
      await jenkins.comeBack();
    }
  });
});
