import picomatch from 'picomatch';
import type { RuleMatch } from '../fleet/model.js';
import type { GateSubject } from './evaluate.js';

type Matcher = (input: string) => boolean;

const MAX_CACHED_MATCHERS = 1000;
const matchers = new Map<string, Matcher>();

/**
 * A compiled glob matcher, kept for the life of the process: a constitution has a few dozen
 * patterns and every action of every pass is matched against them.
 */
export function globMatcher(patterns: readonly string[], options: { dot?: boolean } = {}): Matcher {
  const key = `${options.dot ? 'dot' : ''}\u0000${patterns.join('\u0000')}`;
  let matcher = matchers.get(key);
  if (!matcher) {
    matcher = picomatch([...patterns], { dot: options.dot ?? false });
    // Constitutions are small; a long-running watcher that reloads many edited ones starts afresh.
    if (matchers.size >= MAX_CACHED_MATCHERS) matchers.clear();
    matchers.set(key, matcher);
  }
  return matcher;
}

/**
 * True when every field of `match` that is present fits the subject; an absent field (or an
 * absent `match`) fits everything.
 * - `actions`: globs over the action kind (`release.*`, `*`);
 * - `products`: globs over the product id `org/name` (`acme/*`);
 * - `orgs`: the product's org, exactly;
 * - `labels`: every listed label equals the product's;
 * - `environments`: the action's environment is listed; an action without one never fits.
 */
export function ruleMatches(match: RuleMatch | undefined, subject: GateSubject): boolean {
  if (!match) return true;
  const { action, product } = subject;
  if (match.actions && !globMatcher(match.actions)(action.kind)) return false;
  if (match.products && !globMatcher(match.products)(product.id)) return false;
  if (match.orgs && !match.orgs.includes(product.org)) return false;
  if (match.labels && !labelsFit(match.labels, product.labels)) return false;
  if (match.environments) {
    if (action.environment === undefined || !match.environments.includes(action.environment)) return false;
  }
  return true;
}

function labelsFit(wanted: Record<string, string>, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(wanted)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  return true;
}

/** True when some glob of `patterns` matches the product id (exceptions name products this way). */
export function productMatches(patterns: readonly string[], productId: string): boolean {
  return globMatcher(patterns)(productId);
}
