import type { Action, Blocker, ChangeCounts } from '../actions/action.js';
import { ACTION_KINDS, type ActionKind } from '../actions/kinds.js';
import type { Effect, Enforcement, FacetName, Fleet } from '../fleet/model.js';
import type { Approval } from '../store/store.js';
import { decide } from './decide.js';
import { evaluate, type GateSubject } from './evaluate.js';

/** What a case expects of the verdict; only the fields given are checked, lists as sets. */
export interface PolicyExpectation {
  effect?: Effect;
  rules?: string[];
  allowed?: boolean;
  enforcement?: Enforcement;
  excepted?: string[];
  advisories?: string[];
  approvers?: string[];
}

/** One case of a policy test file, as written. */
export interface PolicyTestCase {
  name: string;
  description?: string;
  now: string;
  action: {
    kind: ActionKind;
    product: string;
    environment?: string;
    changes?: Partial<ChangeCounts>;
    paths?: string[];
  };
  observed?: Partial<Record<FacetName, string>>;
  approvals?: { by: string; reason?: string }[];
  expect: PolicyExpectation;
}

/** What the constitution and the gate made of a case's action. */
export interface PolicyOutcome {
  effect: Effect;
  rules: string[];
  allowed: boolean;
  enforcement: Enforcement;
  excepted: string[];
  advisories: string[];
  approvers: string[];
  messages: string[];
  blocker?: Blocker;
}

/** One expected field of a case and what the verdict had instead. */
export interface PolicyMismatch {
  field: keyof PolicyExpectation;
  expected: unknown;
  actual: unknown;
}

/** Judges one case's action as the reconciler would: evaluate, then decide with its approvals. */
export function runPolicyCase(fleet: Fleet, testCase: PolicyTestCase): PolicyOutcome {
  const now = new Date(testCase.now);
  const subject = caseSubject(fleet, testCase);
  const approvals: Approval[] = (testCase.approvals ?? []).map((approval) => ({
    target: subject.action.id,
    by: approval.by,
    reason: approval.reason ?? null,
    at: now.toISOString(),
  }));
  const verdict = evaluate(fleet.constitution.manifest.spec, subject, now);
  const decision = decide(subject.action, verdict, approvals, null);
  const { effect, rules, enforcement, excepted, advisories, approvers, messages } = verdict;
  return {
    effect,
    rules,
    allowed: decision.allowed,
    enforcement,
    excepted,
    advisories,
    approvers,
    messages,
    ...(decision.blocker ? { blocker: decision.blocker } : {}),
  };
}

function caseSubject(fleet: Fleet, testCase: PolicyTestCase): GateSubject {
  const { kind, product: productId, environment, changes, paths } = testCase.action;
  const manifest = fleet.products.get(productId)?.manifest;
  const org = manifest?.metadata.org ?? productId.split('/')[0] ?? '';
  const id = `policy-test:${productId}:${kind}`;
  const action: Action = {
    id,
    product: productId,
    facet: ACTION_KINDS[kind] as Action['facet'],
    kind,
    params: {},
    reason: testCase.name,
    dependsOn: [],
    idempotencyKey: id,
    changeClass: 'change',
    ...(environment === undefined ? {} : { environment }),
    ...(changes === undefined
      ? {}
      : { changes: { add: changes.add ?? 0, change: changes.change ?? 0, destroy: changes.destroy ?? 0 } }),
    ...(paths === undefined ? {} : { paths }),
  };
  return {
    action,
    product: { id: productId, org, labels: manifest?.metadata.labels ?? {} },
    orgApprovers: fleet.fleet.manifest.spec.orgs.find((each) => each.name === org)?.approvers ?? [],
    observed: testCase.observed ?? {},
  };
}

/** The expected fields that differ from the outcome; lists compare as sets. */
export function compareOutcome(expected: PolicyExpectation, actual: PolicyOutcome): PolicyMismatch[] {
  const mismatches: PolicyMismatch[] = [];
  for (const field of Object.keys(expected) as (keyof PolicyExpectation)[]) {
    const want = expected[field];
    const got = actual[field];
    const same = Array.isArray(want) && Array.isArray(got) ? sameSet(want, got) : want === got;
    if (!same) mismatches.push({ field, expected: want, actual: got });
  }
  return mismatches;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
