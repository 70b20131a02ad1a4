import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/actions/action.js';
import type { TofuResourceChange } from '../../../src/backends/tofu/index.js';
import { evaluate } from '../../../src/constitution/evaluate.js';
import type { ProposedAction } from '../../../src/facets/facet.js';
import type { InfraObservation } from '../../../src/facets/infra/observe.js';
import { MAX_ADDRESSES, summarize } from '../../../src/facets/infra/observe.js';
import { describeChanges, infraState, planInfra, REAPPLY_PAUSE_MS } from '../../../src/facets/infra/plan.js';
import { loadFleetFiles } from '../../../src/fleet/load.js';
import type { ConstitutionSpec, Product } from '../../../src/fleet/model.js';
import { isSecretRef } from '../../../src/secrets/resolve.js';
import type { JournalEntry } from '../../../src/store/store.js';

const NOW = new Date('2026-11-24T10:00:00Z');
const FINGERPRINT = `sha256:${'ab'.repeat(32)}`;

function productWith(infra: string): Product {
  const files = new Map([
    [
      'fleet.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata: { name: t }\nspec:\n  orgs: [{ name: acme, approvers: [alice] }]\n',
    ],
    [
      'constitution.yaml',
      'apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata: { name: c }\nspec: {}\n',
    ],
    [
      'products/acme/site.yaml',
      `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata: { name: site, org: acme }\nspec:\n  repo: { url: ../repos/site.git }\n  infra: ${infra}\n`,
    ],
  ]);
  const product = loadFleetFiles(
    {
      source: '/fleet',
      revision: null,
      dirty: false,
      files,
    },
    NOW,
  ).fleet?.products.get('acme/site');
  if (!product) throw new Error('the test product does not load');
  return product;
}

function changes(...items: [TofuResourceChange['action'], string][]): TofuResourceChange[] {
  return items.map(([action, address]) => ({ action, address }));
}

function observed(overrides: Partial<InfraObservation['summary']> = {}, changed = true): InfraObservation {
  return {
    module: 'tofu/modules/static-site',
    source: 'library',
    changed,
    fingerprint: FINGERPRINT,
    summary: {
      add: 1,
      change: 0,
      destroy: 0,
      forget: 0,
      outputs: 0,
      resources: changes(['create', 'local_file.index']),
      drift: changes(['delete', 'local_file.index']),
      moreResources: 0,
      moreDrift: 0,
      ...overrides,
    },
    warnings: [],
  };
}

const noJournal = () => undefined;
const succeeded = (finishedAt: string) =>
  ({ state: 'succeeded', finishedAt, startedAt: finishedAt }) as unknown as JournalEntry;

describe('planInfra', () => {
  it.each([
    ['auto', 'InfraChangesPlanned', false],
    ['propose', 'InfraChangesProposed', true],
  ] as const)('drift: %s plans infra.apply of the fingerprint (%s)', (policy, reason, asksApproval) => {
    const planned = planInfra(productWith(`{ module: m, drift: ${policy} }`), observed(), {
      journal: noJournal,
      now: NOW,
    });
    expect(planned.status).toMatchObject({ state: 'progressing', reason });
    expect(planned.actions).toEqual([
      expect.objectContaining({
        kind: 'infra.apply',
        params: { module: 'tofu/modules/static-site', fingerprint: FINGERPRINT },
        idempotencyKey: `infra.apply:acme/site:${FINGERPRINT}`,
        changeClass: 'change',
        changes: { add: 1, change: 0, destroy: 0 },
        reason:
          'tofu/modules/static-site: 1 to add, 0 to change, 0 to destroy (create local_file.index); changed outside tofu: local_file.index',
      }),
    ]);
    expect(planned.actions[0]?.approval !== undefined).toBe(asksApproval);
    if (asksApproval) expect(planned.actions[0]?.approval?.source).toBe('spec:infra.drift');
  });

  it('proposes when the spec names no policy (the schema default)', () => {
    const planned = planInfra(productWith('{ module: m }'), observed(), { journal: noJournal, now: NOW });
    expect(planned.actions[0]?.approval).toBeDefined();
  });

  it('drift: alert plans nothing and stalls with what changed', () => {
    const planned = planInfra(productWith('{ module: m, drift: alert }'), observed(), {
      journal: noJournal,
      now: NOW,
    });
    expect(planned.actions).toEqual([]);
    expect(planned.status).toMatchObject({ state: 'stalled', reason: 'InfraDrifted' });
    expect(planned.status.message).toContain('1 to add, 0 to change, 0 to destroy');
  });

  it.each(['auto', 'propose', 'alert'])('drift: %s with no changes is ready, in sync', (policy) => {
    const quiet = observed({ add: 0, resources: [], drift: [] }, false);
    const planned = planInfra(productWith(`{ module: m, drift: ${policy} }`), quiet, {
      journal: noJournal,
      now: NOW,
    });
    expect(planned).toEqual({
      actions: [],
      status: { state: 'ready', reason: 'InSync', message: 'in sync with tofu/modules/static-site' },
    });
  });

  it('a plan that destroys is a destroy, with its counts for the constitution', () => {
    const destroying = observed({
      add: 0,
      destroy: 1,
      resources: changes(['delete', 'local_file.version']),
      drift: [],
    });
    const [action] = planInfra(productWith('{ module: m, drift: auto }'), destroying, {
      journal: noJournal,
      now: NOW,
    }).actions;
    expect(action).toMatchObject({ changeClass: 'destroy', changes: { add: 0, change: 0, destroy: 1 } });
  });

  it('the same changes after an apply of them (the same drift again) are a new apply, after a pause', () => {
    const product = productWith('{ module: m, drift: auto }');
    const first = `infra.apply:acme/site:${FINGERPRINT}`;
    const appliedAt = '2026-11-24T09:00:00.000Z';
    const journal = (key: string) => (key === first ? succeeded(appliedAt) : undefined);
    const [again] = planInfra(product, observed(), { journal, now: NOW }).actions;
    expect(again?.idempotencyKey).toBe(`${first}:again:${appliedAt}`);

    const justNow = new Date(NOW.getTime() - REAPPLY_PAUSE_MS / 2).toISOString();
    const recent = (key: string) => (key === first ? succeeded(justNow) : undefined);
    const stuck = planInfra(product, observed(), { journal: recent, now: NOW });
    expect(stuck.actions).toEqual([]);
    expect(stuck.status).toMatchObject({ state: 'stalled', reason: 'InfraNotConverging' });
  });

  it('states in-sync or drifted for constitution conditions', () => {
    expect(infraState(observed())).toBe('drifted');
    expect(infraState(observed({}, false))).toBe('in-sync');
  });
});

describe('describeChanges', () => {
  it.each([
    [
      'lists three addresses and counts the rest, hidden ones included',
      {
        add: 4,
        resources: changes(['create', 'a'], ['create', 'b'], ['create', 'c'], ['create', 'd']),
        drift: [],
        moreResources: 2,
      },
      '4 to add, 0 to change, 0 to destroy (create a, create b, create c and 3 more)',
    ],
    [
      'names output-only changes',
      { add: 0, resources: [], drift: [], outputs: 2 },
      '0 to add, 0 to change, 0 to destroy (2 outputs)',
    ],
  ])('%s', (_name, summary, text) => {
    expect(describeChanges(observed(summary).summary)).toBe(text);
  });
});

describe('summarize', () => {
  it('caps the address lists and says how many it left out', () => {
    const many = Array.from({ length: MAX_ADDRESSES + 5 }, (_, index) => ({
      address: `terraform_data.r${index}`,
      action: 'create' as const,
    }));
    const summary = summarize({
      add: many.length,
      change: 0,
      destroy: 0,
      forget: 0,
      outputs: 0,
      resources: many,
      drift: [],
    });
    expect(summary.resources).toHaveLength(MAX_ADDRESSES);
    expect(summary).toMatchObject({ add: MAX_ADDRESSES + 5, moreResources: 5, moreDrift: 0 });
  });
});

describe('the gate on infra.apply', () => {
  const destroyRule: ConstitutionSpec = {
    rules: [
      {
        id: 'destroy-needs-approval',
        match: { actions: ['infra.apply'] },
        when: { changes: { destroy: { gt: 0 } } },
        effect: 'require-approval',
        approvers: ['carol'],
      },
    ],
  };

  function verdictOf(proposed: ProposedAction, constitution: ConstitutionSpec) {
    const action: Action = { ...proposed, id: 'x', product: 'acme/site', facet: 'infra', dependsOn: [] };
    return evaluate(
      constitution,
      {
        action,
        product: { id: 'acme/site', org: 'acme', labels: {} },
        orgApprovers: ['alice'],
        observed: {},
      },
      NOW,
    );
  }

  it.each([
    ['auto, nothing destroyed', 'auto', 0, 'allow', []],
    ['auto, a destroy', 'auto', 1, 'require-approval', ['carol']],
    ['propose, nothing destroyed', 'propose', 0, 'require-approval', ['alice']],
    ['propose, a destroy: the rule decides', 'propose', 1, 'require-approval', ['carol']],
  ] as const)('%s', (_name, policy, destroy, effect, approvers) => {
    const summary = destroy > 0 ? { destroy, resources: changes(['delete', 'local_file.version']) } : {};
    const [action] = planInfra(productWith(`{ module: m, drift: ${policy} }`), observed(summary), {
      journal: noJournal,
      now: NOW,
    }).actions;
    const verdict = verdictOf(action as ProposedAction, destroyRule);
    expect(verdict).toMatchObject({ effect, approvers });
  });
});

describe('isSecretRef', () => {
  it.each([
    [{ env: 'TOKEN' }, true],
    [{ file: '~/.token' }, true],
    [{ env: 'TOKEN', file: 'x' }, false],
    [{ env: 3 }, false],
    ['TOKEN', false],
    [['env'], false],
    [null, false],
  ])('%j → %s', (value, expected) => {
    expect(isSecretRef(value)).toBe(expected);
  });
});
