import { describe, expect, it } from 'vitest';
import type { GateSubject } from '../../src/constitution/evaluate.js';
import { gateInputsHash } from '../../src/constitution/inputs.js';
import { subjectOf } from './helpers.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const BASE = subjectOf({ environment: 'prod', changes: { add: 1, change: 0, destroy: 0 }, paths: ['a.txt'] });
const HASH = gateInputsHash(BASE, 'rev-1', NOW);

describe('gateInputsHash', () => {
  it('is a sha256 hex digest', () => {
    expect(HASH).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order keys were written in', () => {
    const reordered: GateSubject = {
      observed: { ...BASE.observed },
      orgApprovers: [...BASE.orgApprovers],
      product: { labels: { ...BASE.product.labels }, org: BASE.product.org, id: BASE.product.id },
      action: { ...BASE.action },
    };
    expect(gateInputsHash(reordered, 'rev-1', NOW)).toBe(HASH);
  });

  it('ignores what evaluate does not look at (reason, dependencies)', () => {
    const other = { ...BASE, action: { ...BASE.action, reason: 'another reason', dependsOn: ['x'] } };
    expect(gateInputsHash(other, 'rev-1', NOW)).toBe(HASH);
  });

  it.each<[string, GateSubject, string, Date]>([
    ['the constitution revision', BASE, 'rev-2', NOW],
    ['the moment', BASE, 'rev-1', new Date('2026-11-24T12:00:01Z')],
    ['the action id', { ...BASE, action: { ...BASE.action, id: 'action-2' } }, 'rev-1', NOW],
    ['the action kind', { ...BASE, action: { ...BASE.action, kind: 'infra.apply' } }, 'rev-1', NOW],
    ['the environment', { ...BASE, action: { ...BASE.action, environment: 'staging' } }, 'rev-1', NOW],
    [
      'the change counts',
      { ...BASE, action: { ...BASE.action, changes: { add: 1, change: 0, destroy: 1 } } },
      'rev-1',
      NOW,
    ],
    ['the paths', { ...BASE, action: { ...BASE.action, paths: ['b.txt'] } }, 'rev-1', NOW],
    ['the labels', { ...BASE, product: { ...BASE.product, labels: { tier: 'standard' } } }, 'rev-1', NOW],
    ['the org', { ...BASE, product: { ...BASE.product, org: 'globex' } }, 'rev-1', NOW],
    ['the org approvers', { ...BASE, orgApprovers: ['alice'] }, 'rev-1', NOW],
    ['the observed states', { ...BASE, observed: { build: 'red' } }, 'rev-1', NOW],
  ])('changes with %s', (_name, subject, revision, now) => {
    expect(gateInputsHash(subject, revision, now)).not.toBe(HASH);
  });
});
