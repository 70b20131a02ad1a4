import { describe, expect, it } from 'vitest';
import type { GatedAction } from '../../src/actions/action.js';
import { gatePlan, runnableIds } from '../../src/engine/gate.js';
import { proposeActions } from '../../src/engine/plan.js';
import type { Plan } from '../../src/engine/plan-model.js';
import type { DeployObservation, EnvironmentObservation } from '../../src/facets/deploy/observe.js';
import type { ProductObservation } from '../../src/facets/facet.js';
import type { InfraObservation } from '../../src/facets/infra/observe.js';
import { loadFleetFiles } from '../../src/fleet/load.js';
import type { Fleet } from '../../src/fleet/model.js';
import { buildObservation } from '../helpers/engine.js';

const SATURDAY = new Date('2026-12-05T11:00:00Z');
const HEAD = 'a'.repeat(40);
const RELEASE = { version: '1.0.0', tag: 'v1.0.0', commit: 'c'.repeat(40) };

/** acme/site: built, provisioned with OpenTofu and deployed to staging and prod; prod frozen at weekends. */
function siteFleet(): Fleet {
  const files = new Map([
    [
      'fleet.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: t }\nspec:\n  orgs: [{ name: acme, approvers: [alice] }]\n',
    ],
    [
      'constitution.yaml',
      `apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata: { name: c }
spec:
  rules:
    - id: no-weekend-prod-deploys
      match: { actions: [deploy.apply], environments: [prod] }
      when: { schedule: { days: [sat, sun], timezone: Europe/Berlin } }
      effect: deny
`,
    ],
    [
      'products/acme/site.yaml',
      `apiVersion: codemonkeys.dev/v1
kind: Product
metadata: { name: site, org: acme }
spec:
  repo: { url: ../repos/site.git }
  build: { steps: ["make test"] }
  infra: { module: tofu/modules/static-site, drift: auto }
  deploy:
    playbook: deploy.yml
    inventory: inventory.ini
    environments: { staging: { version: latest }, prod: { version: 1.0.0 } }
`,
    ],
  ]);
  const result = loadFleetFiles(
    { source: '/fleet', revision: 'f'.repeat(40), dirty: false, files },
    SATURDAY,
  );
  if (!result.fleet) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.fleet;
}

function drifted(environment: string, wanted: string): EnvironmentObservation {
  return {
    environment,
    wanted,
    running: {},
    release: RELEASE,
    check: { changed: [{ host: 'web1', task: 'Copy the site' }], failed: [], hosts: 1 },
  };
}

const infra: InfraObservation = {
  module: 'tofu/modules/static-site',
  source: 'library',
  changed: true,
  fingerprint: `sha256:${'ab'.repeat(32)}`,
  summary: {
    add: 1,
    change: 0,
    destroy: 0,
    forget: 0,
    outputs: 0,
    resources: [{ action: 'create', address: 'local_file.index' }],
    drift: [],
    moreResources: 0,
    moreDrift: 0,
  },
  warnings: [],
} as InfraObservation;

function observe(build: ProductObservation): Map<string, ProductObservation> {
  const deploy: DeployObservation = {
    environments: [drifted('staging', 'latest'), drifted('prod', '1.0.0')],
  };
  const at = SATURDAY.toISOString();
  return new Map([
    [
      'acme/site',
      {
        product: 'acme/site',
        facets: {
          ...build.facets,
          infra: { ok: true, value: infra, observedAt: at },
          deploy: { ok: true, value: deploy, observedAt: at },
        },
      },
    ],
  ]);
}

function plan(build: ProductObservation): Plan {
  const fleet = siteFleet();
  const observations = observe(build);
  const journal = () => undefined;
  const proposed = proposeActions({ fleet, observations, orphans: [], now: SATURDAY, journal });
  return gatePlan({
    fleet,
    proposed,
    observations,
    orphans: [],
    now: SATURDAY,
    dryRun: true,
    journal,
    approvals: () => [],
  });
}

const find = (actions: GatedAction[], kind: string, environment?: string) =>
  actions.find((action) => action.kind === kind && action.environment === environment) as GatedAction;

describe('actions wait on what they need, not on the facet order', () => {
  it('a prod deploy denied at the weekend blocks nothing else: the infrastructure and staging go ahead', () => {
    const result = plan(buildObservation('acme/site', HEAD, { state: 'succeeded' }));
    const apply = find(result.actions, 'infra.apply');
    const staging = find(result.actions, 'deploy.apply', 'staging');
    const prod = find(result.actions, 'deploy.apply', 'prod');
    expect(apply.dependsOn).toEqual([]);
    expect(apply.blockedBy).toEqual([]);
    expect(prod.blockedBy).toContainEqual(
      expect.objectContaining({ type: 'denied', rules: ['no-weekend-prod-deploys'] }),
    );
    // Provision, then deploy onto it: each deploy waits on the apply, neither on the other deploy.
    expect(staging.dependsOn).toEqual([apply.id]);
    expect(prod.dependsOn).toEqual([apply.id]);
    // Runnable in this pass: the apply, then staging after it; prod is denied.
    expect(runnableIds(result.actions)).toEqual(new Set([apply.id, staging.id]));
  });

  it('a build under way holds the deploys, not the infrastructure', () => {
    const result = plan(buildObservation('acme/site', HEAD));
    const trigger = find(result.actions, 'build.trigger');
    const apply = find(result.actions, 'infra.apply');
    const staging = find(result.actions, 'deploy.apply', 'staging');
    expect(apply.dependsOn).toEqual([]);
    expect(staging.dependsOn).toEqual([trigger.id, apply.id]);
    expect(staging.blockedBy).toEqual([{ type: 'waiting-on', actions: [trigger.id, apply.id] }]);
    expect(runnableIds(result.actions).has(apply.id)).toBe(true);
  });
});
