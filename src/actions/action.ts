import type { ActionKind, Effect, Enforcement, FacetName } from './kinds.js';

/**
 * How an action changes the world, which decides how it is retried and journaled:
 * `run` (a build, a check: repeatable), `change` (converges a thing: idempotent),
 * `destroy` (removes something), `publish` (visible outside, at most once per idempotency key).
 */
export type ChangeClass = 'run' | 'change' | 'destroy' | 'publish';

/** Counts of what an action changes, for constitution rules on `changes` (infra plans). */
export interface ChangeCounts {
  add: number;
  change: number;
  destroy: number;
}

/** One step the reconciler wants to take for one product. Plain data: serialisable, no secrets. */
export interface Action {
  /** Stable id: a hash of product, kind, params and idempotency key, so a changed action has a new id. */
  id: string;
  /** Product id, `org/name`. */
  product: string;
  /** The facet that planned it; `product` for the product's own lifecycle (prune). */
  facet: FacetName | 'product';
  kind: ActionKind;
  /** What the actuator needs, JSON-safe; never secret values (references at most). */
  params: Record<string, unknown>;
  /** Why, in plain words: "no build of main@1a2b3c4 yet". */
  reason: string;
  /** Ids of actions that must succeed first (same product or a product it depends on). */
  dependsOn: string[];
  /** Executing twice with the same key has the effect of executing once. */
  idempotencyKey: string;
  changeClass: ChangeClass;
  /** Deploy environment the action targets, for constitution `match.environments`. */
  environment?: string;
  /** What the action would change, for constitution `when.changes`. */
  changes?: ChangeCounts;
  /** Files the action touches (relative to the product repo), for constitution `when.paths`. */
  paths?: string[];
  /**
   * Facet states as they stand for the commit this action concerns, over the product's (which
   * describe its branch head): a release says how the build of the commit it releases went, so
   * a rule on `when.observed.build` judges that commit.
   */
  observed?: Partial<Record<FacetName, string>>;
  /**
   * The product's own spec asks a person to approve this action (infra `drift: propose`): the
   * verdict is then at least require-approval, by the org's approvers, under the rule id `source`.
   */
  approval?: { source: string; message: string };
}

/** What the constitution decided for one action. */
export interface Verdict {
  /** The winning effect after exceptions and precedence (deny > require-approval > warn > allow). */
  effect: Effect;
  /** Ids of the rules that produced this effect; empty when the default effect applied. */
  rules: string[];
  /** For deny and require-approval: the strictest enforcement among those rules. */
  enforcement: Enforcement;
  /** Who may approve (require-approval) or override (soft deny). */
  approvers: string[];
  /** The rules' messages, in rule order. */
  messages: string[];
  /** Rules that matched with advisory enforcement: reported, not enforced. */
  advisories: string[];
  /** Rules that matched but were waived by an unexpired exception. */
  excepted: string[];
  /** True when no rule applied and `defaultEffect` decided. */
  byDefault: boolean;
}

/** Why an action cannot run now. */
export type Blocker =
  | { type: 'waiting-on'; actions: string[] }
  /** Products this one `dependsOn` that are not Ready at their current head in the same plan. */
  | { type: 'dependency-not-ready'; products: string[] }
  | { type: 'denied'; rules: string[]; message: string }
  | { type: 'awaiting-approval'; rules: string[]; approvers: string[] }
  | { type: 'backoff'; until: string; attempts: number }
  | { type: 'suspended' }
  | { type: 'in-progress'; since: string }
  | { type: 'failed'; reason: string; message: string };

/** An action with the constitution's verdict and what, if anything, keeps it from running. */
export interface GatedAction extends Action {
  verdict: Verdict;
  /** Empty when the action may run now. */
  blockedBy: Blocker[];
}
