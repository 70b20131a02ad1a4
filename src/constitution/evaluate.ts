import type { Action, Verdict } from '../actions/action.js';
import type {
  ConstitutionSpec,
  Effect,
  Enforcement,
  FacetName,
  Rule,
  RuleException,
} from '../fleet/model.js';
import { productMatches, ruleMatches } from './match.js';
import { whenHolds } from './when.js';

/** Everything the constitution looks at to judge one action. */
export interface GateSubject {
  /** The action: its kind, product, environment, change counts and touched paths are matched. */
  action: Action;
  product: { id: string; org: string; labels: Record<string, string> };
  /** The product's org approvers (fleet.yaml): who approves when a rule names nobody. */
  orgApprovers: string[];
  /** Facet → observed state word (`{ build: 'green' }`); a missing facet counts as 'unknown'. */
  observed: Partial<Record<FacetName, string>>;
}

/** Strongest first: the first of these among the applying rules is the verdict. */
export const EFFECT_PRECEDENCE: readonly Effect[] = ['deny', 'require-approval', 'warn', 'allow'];
/** Strictest first. */
export const ENFORCEMENT_PRECEDENCE: readonly Enforcement[] = ['hard', 'soft', 'advisory'];

const DEFAULT_ENFORCEMENT: Enforcement = 'hard';

/** True when the rule matches the subject and all its when clauses hold at `now`. */
export function ruleApplies(rule: Rule, subject: GateSubject, now: Date): boolean {
  return ruleMatches(rule.match, subject) && whenHolds(rule.when, subject, now);
}

/**
 * An exception naming the rule, whose product globs match the product and which expires after
 * `now`. An expired exception (or one whose expiry cannot be read) waives nothing: fail closed.
 */
export function waivingException(
  exceptions: readonly RuleException[],
  ruleId: string,
  productId: string,
  now: Date,
): RuleException | undefined {
  return exceptions.find(
    (exception) =>
      exception.rule === ruleId &&
      Date.parse(exception.expires) > now.getTime() &&
      productMatches(exception.products, productId),
  );
}

/**
 * The constitution's verdict on one action at `now`.
 *
 * Of the rules that apply (match and when), those waived by an unexpired exception are
 * listed in `excepted` and those with advisory enforcement in `advisories`; neither changes the
 * effect. The strongest effect of the rest wins (deny > require-approval > warn > allow) and the
 * verdict names every rule with that effect, in rule order, with the strictest enforcement among
 * them, their messages, and their approvers (the org's approvers when none of them names any).
 * No such rule: `defaultEffect` (allow unless set), with `byDefault` and no approvers.
 * Then an approval the product's spec asks for (Action.approval) turns allow or warn into
 * require-approval.
 */
export function evaluate(constitution: ConstitutionSpec, subject: GateSubject, now: Date): Verdict {
  return withSpecApproval(evaluateRules(constitution, subject, now), subject);
}

/**
 * An action whose spec asks for approval (Action.approval) and that the rules allow or warn
 * about awaits approval by the org's approvers; a rule that denies or already requires approval
 * decides alone. The spec can only make the gate stricter, never looser.
 */
function withSpecApproval(verdict: Verdict, subject: GateSubject): Verdict {
  const approval = subject.action.approval;
  if (!approval || verdict.effect === 'deny' || verdict.effect === 'require-approval') return verdict;
  return {
    ...verdict,
    effect: 'require-approval',
    rules: [approval.source],
    enforcement: 'hard',
    approvers: [...subject.orgApprovers],
    messages: [...verdict.messages, approval.message],
    byDefault: false,
  };
}

function evaluateRules(constitution: ConstitutionSpec, subject: GateSubject, now: Date): Verdict {
  const exceptions = constitution.exceptions ?? [];
  const advisories: string[] = [];
  const excepted: string[] = [];
  const binding: Rule[] = [];
  for (const rule of constitution.rules ?? []) {
    if (!ruleApplies(rule, subject, now)) continue;
    if (waivingException(exceptions, rule.id, subject.product.id, now)) excepted.push(rule.id);
    else if (rule.enforcement === 'advisory') advisories.push(rule.id);
    else binding.push(rule);
  }
  const effect = EFFECT_PRECEDENCE.find((each) => binding.some((rule) => rule.effect === each));
  if (effect === undefined) {
    return {
      effect: constitution.defaultEffect ?? 'allow',
      rules: [],
      enforcement: DEFAULT_ENFORCEMENT,
      approvers: [],
      messages: [],
      advisories,
      excepted,
      byDefault: true,
    };
  }
  const winners = binding.filter((rule) => rule.effect === effect);
  return {
    effect,
    rules: winners.map((rule) => rule.id),
    enforcement: strictestEnforcement(winners),
    approvers: approversOf(winners, subject.orgApprovers),
    messages: winners.flatMap((rule) => (rule.message === undefined ? [] : [rule.message])),
    advisories,
    excepted,
    byDefault: false,
  };
}

function strictestEnforcement(rules: readonly Rule[]): Enforcement {
  const present = new Set(rules.map((rule) => rule.enforcement ?? DEFAULT_ENFORCEMENT));
  return ENFORCEMENT_PRECEDENCE.find((each) => present.has(each)) ?? DEFAULT_ENFORCEMENT;
}

/** The union of the rules' approvers in rule order; the org's approvers when none names any. */
function approversOf(rules: readonly Rule[], orgApprovers: readonly string[]): string[] {
  const named = new Set(rules.flatMap((rule) => rule.approvers ?? []));
  return [...(named.size > 0 ? named : new Set(orgApprovers))];
}
