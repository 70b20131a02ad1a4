import { createHash } from 'node:crypto';
import { canonicalJson } from '../actions/canonical.js';
import type { GateSubject } from './evaluate.js';

/**
 * The sha256 (hex) of the canonical JSON of everything `evaluate` and `decide` looked at for one
 * action: the constitution's revision, the moment, the action's id, kind, product, environment,
 * change counts and paths, the product's id, org and labels, the org approvers and the observed
 * states. The decision log stores it, so a verdict can be shown to follow from its inputs and two
 * decisions on the same inputs are recognisably the same. The action's params are covered by its
 * id (a hash of them); its reason and dependencies are not looked at and not hashed.
 */
export function gateInputsHash(subject: GateSubject, constitutionRevision: string, now: Date): string {
  const { action, product, orgApprovers, observed } = subject;
  const inputs = {
    constitutionRevision,
    now: now.toISOString(),
    action: {
      id: action.id,
      kind: action.kind,
      product: action.product,
      environment: action.environment,
      changes: action.changes,
      paths: action.paths,
    },
    product: { id: product.id, org: product.org, labels: product.labels },
    orgApprovers,
    observed,
  };
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}
