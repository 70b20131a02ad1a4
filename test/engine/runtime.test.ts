import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/engine/runtime.js';
import { createLogger } from '../../src/log/logger.js';
import { testClock } from '../helpers/clock.js';
import { createFleetRepo, type FleetRepo } from '../helpers/fleet-repo.js';

const repos: FleetRepo[] = [];
const runtimes: Runtime[] = [];
afterEach(() => {
  for (const runtime of runtimes.splice(0)) runtime.store.close();
  for (const repo of repos.splice(0)) repo.cleanup();
});

async function load(repo: FleetRepo, previous?: Runtime): Promise<Runtime> {
  const runtime = await openRuntime({
    clock: testClock(),
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: process.env,
    logger: createLogger({ level: 'silent' }),
    readOnly: true,
    store: previous?.store,
    previous,
  });
  if (!previous) runtimes.push(runtime);
  return runtime;
}

describe('a fleet reloaded during a run', () => {
  it("keeps its services (CI clients, runners) while fleet.yaml's spec is the same, and opens new ones when it changes", async () => {
    const repo = await createFleetRepo([{ org: 'acme', name: 'lib' }]);
    repos.push(repo);
    const first = await load(repo);
    repo.writeProduct({ org: 'acme', name: 'app' });
    const productAdded = await load(repo, first);
    expect(productAdded.fleet.products.has('acme/app')).toBe(true);
    expect(productAdded.services).toBe(first.services);
    const fleetYaml = join(repo.fleetDir, 'fleet.yaml');
    writeFileSync(fleetYaml, readFileSync(fleetYaml, 'utf8').replace('concurrency: 2', 'concurrency: 3'));
    const respecified = await load(repo, productAdded);
    expect(respecified.services).not.toBe(first.services);
  });
});
