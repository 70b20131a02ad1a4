import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { runCli } from '../helpers/cli.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';

let repo: FleetRepo;
const cli = (...args: string[]) => runCli(['--fleet', repo.fleetDir, ...args], { cwd: repo.root });

beforeAll(async () => {
  await ensureBuilt();
  repo = await createFleetRepo(
    [{ org: 'acme', name: 'lib' }],
    `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: rules }
spec:
  rules:
    - id: no-weekend-builds
      match: { actions: [build.trigger] }
      when: { schedule: { days: [sat, sun], timezone: Europe/Berlin } }
      effect: deny
      message: Nothing is built at weekends.
`,
  );
}, 120_000);
afterAll(() => repo.cleanup());

type PlanJson = { actions: { kind: string; verdict: { effect: string; rules: string[] } }[] };

describe('plan --at: the verdicts at another moment', () => {
  it('denies the build on a Saturday noon in Berlin and allows it on a Monday, whatever day it is', async () => {
    const saturday = await cli('plan', '--at', '2026-12-05T12:00:00+01:00', '--format', 'json');
    expect(saturday.exitCode).toBe(0);
    const trigger = (JSON.parse(saturday.stdout) as PlanJson).actions.find((a) => a.kind === 'build.trigger');
    expect(trigger?.verdict).toMatchObject({ effect: 'deny', rules: ['no-weekend-builds'] });

    const monday = await cli('plan', '--at', '2026-12-07T09:00:00Z', '--format', 'json');
    const allowed = (JSON.parse(monday.stdout) as PlanJson).actions.find((a) => a.kind === 'build.trigger');
    expect(allowed?.verdict).toMatchObject({ effect: 'allow', rules: [] });
  });

  it('says in the text plan which rule denies it then', async () => {
    const run = await cli('plan', '--at', '2026-12-06T23:30:00+01:00');
    expect(run.stdout).toMatch(/denied by no-weekend-builds: Nothing is built at weekends\./);
  });

  it('refuses a time without its offset, saying what it expected', async () => {
    const run = await cli('plan', '--at', 'saturday');
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(
      /expected an RFC 3339 time with its offset, such as 2026-12-05T12:00:00\+01:00/,
    );
    expect(run.stderr).toContain("found 'saturday'");
  });
});
