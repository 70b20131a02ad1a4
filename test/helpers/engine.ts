import type { GatedAction } from '../../src/actions/action.js';
import type { BuildRecord } from '../../src/backends/ci.js';
import type { ExecutedAction } from '../../src/engine/execute.js';
import type { ActuateContext } from '../../src/facets/actuator.js';
import type { BuildObservation } from '../../src/facets/build/observe.js';
import type { ProductObservation } from '../../src/facets/facet.js';
import { Services } from '../../src/facets/services.js';
import { loadFleetFiles } from '../../src/fleet/load.js';
import type { Fleet } from '../../src/fleet/model.js';
import type { Logger } from '../../src/log/logger.js';
import type { StateStore } from '../../src/store/store.js';

export const NOW = new Date('2026-11-26T12:00:00Z');

export interface ProductDef {
  id: string;
  dependsOn?: string[];
  suspend?: boolean;
  labels?: Record<string, string>;
  build?: boolean;
}

/** A valid fleet, built in memory from short product definitions and a constitution body. */
export function makeFleet(
  products: ProductDef[],
  constitution = '  rules: []\n',
  orgs = ['acme', 'globex'],
): Fleet {
  const files = new Map<string, string>();
  files.set(
    'fleet.yaml',
    `apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: t }\nspec:\n  orgs:\n${orgs.map((org) => `    - { name: ${org}, approvers: [alice] }\n`).join('')}`,
  );
  files.set(
    'constitution.yaml',
    `apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: c }\nspec:\n${constitution}`,
  );
  for (const product of products) {
    const [org, name] = product.id.split('/') as [string, string];
    const lines = [
      'apiVersion: codemonkeys.dev/v1',
      'kind: Product',
      `metadata: { name: ${name}, org: ${org}${product.labels ? `, labels: ${JSON.stringify(product.labels)}` : ''} }`,
      'spec:',
      `  repo: { url: ../repos/${name}.git }`,
      product.dependsOn ? `  dependsOn: [${product.dependsOn.join(', ')}]` : '',
      product.suspend ? '  suspend: true' : '',
      product.build === false ? '' : '  build: { steps: ["make test"], timeout: 5m }',
    ];
    files.set(`products/${org}/${name}.yaml`, `${lines.filter(Boolean).join('\n')}\n`);
  }
  const result = loadFleetFiles({ source: '/fleet', revision: 'f'.repeat(40), dirty: false, files }, NOW);
  if (!result.fleet) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.fleet;
}

/** An observation of the build facet: the head commit and, optionally, the build of it. */
export function buildObservation(
  product: string,
  head: string,
  build?: Partial<BuildRecord>,
): ProductObservation {
  const value: BuildObservation = {
    ci: 'local',
    repoUrl: `/repos/${product}.git`,
    branch: 'main',
    head,
    build: build
      ? ({
          product,
          commit: head,
          buildId: 'run-1',
          startedAt: NOW.toISOString(),
          logRef: '/log',
          state: 'succeeded',
          ...build,
        } as BuildRecord)
      : null,
  };
  return { product, facets: { build: { ok: true, value, observedAt: NOW.toISOString() } } };
}

/** A build trigger of `product`, allowed and unblocked, for executor tests. */
export function allowedTrigger(product: string, dependsOn: string[] = []): GatedAction {
  return {
    id: `trigger-${product}`,
    product,
    facet: 'build',
    kind: 'build.trigger',
    params: {},
    reason: 'no build of the head yet',
    dependsOn: dependsOn.map((dep) => `trigger-${dep}`),
    idempotencyKey: `build.trigger:${product}:1`,
    changeClass: 'run',
    verdict: {
      effect: 'allow',
      rules: [],
      enforcement: 'hard',
      approvers: [],
      messages: [],
      advisories: [],
      excepted: [],
      byDefault: true,
    },
    blockedBy: [],
  };
}

/** What an executor did, as product → outcome. */
export function outcomesByProduct(executed: ExecutedAction[]): Record<string, string> {
  return Object.fromEntries(executed.map((done) => [done.product, done.outcome]));
}

/** What an executor test's actuators are handed: the fleet, a store, no services, a pinned clock. */
export function testActuateContext(
  fleet: Fleet,
  store: StateStore,
  logger: Logger,
  now: () => Date,
): ActuateContext {
  return {
    fleet,
    fleetDir: '/fleet',
    stateDir: '/state',
    services: new Services(),
    store,
    env: {},
    logger,
    now,
  };
}
