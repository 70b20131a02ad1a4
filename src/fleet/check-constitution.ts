import picomatch from 'picomatch';
import { ACTION_KINDS } from '../actions/kinds.js';
import type { CheckInput } from './check-products.js';
import { type ManifestDocument, placeOf, problemAt } from './document.js';
import type { ConstitutionManifest } from './model.js';
import type { Problem } from './problems.js';
import { suggest } from './suggest.js';
import { toPointer } from './yaml.js';

export interface ConstitutionCheckInput extends CheckInput {
  constitution: { document: ManifestDocument; manifest: ConstitutionManifest } | undefined;
  /** The moment expiry is judged against. */
  now: Date;
}

/** Rule ids unique, rule fields sensible, exceptions naming real rules and not yet expired. */
export function checkConstitution(input: ConstitutionCheckInput): Problem[] {
  if (!input.constitution) return [];
  const { document, manifest } = input.constitution;
  const problems: Problem[] = [];
  const rules = manifest.spec.rules ?? [];
  const firstRule = new Map<string, number>();
  rules.forEach((rule, index) => {
    const first = firstRule.get(rule.id);
    if (first !== undefined) {
      problems.push(
        problemAt(
          document,
          `/spec/rules/${index}/id`,
          'duplicate-rule',
          `rule id '${rule.id}' is used twice; first at ${placeOf(document, `/spec/rules/${first}/id`)}`,
        ),
      );
    } else {
      firstRule.set(rule.id, index);
    }
    problems.push(...checkRule(input, document, index));
  });
  const ruleIds = [...firstRule.keys()];
  (manifest.spec.exceptions ?? []).forEach((exception, index) => {
    const base = `/spec/exceptions/${index}`;
    if (!firstRule.has(exception.rule)) {
      const hint = suggest(exception.rule, ruleIds);
      problems.push(
        problemAt(
          document,
          `${base}/rule`,
          'unknown-rule',
          `exception names rule '${exception.rule}', which the constitution does not have${hint ? ` (did you mean '${hint}'?)` : ''}`,
          {
            expected: ruleIds.length ? `one of ${ruleIds.join(', ')}` : 'a rule id',
            found: exception.rule,
          },
        ),
      );
    }
    if (Date.parse(exception.expires) <= input.now.getTime()) {
      problems.push(
        problemAt(
          document,
          `${base}/expires`,
          'exception-expired',
          `exception to rule '${exception.rule}' (owner ${exception.owner}) expired at ${exception.expires}: it no longer applies, anywhere`,
          {
            severity: 'warning',
          },
        ),
      );
    }
    problems.push(...checkProductPatterns(input, document, `${base}/products`, exception.products));
  });
  return problems;
}

function checkRule(input: ConstitutionCheckInput, document: ManifestDocument, index: number): Problem[] {
  const rule = (input.constitution as { manifest: ConstitutionManifest }).manifest.spec.rules?.[index];
  if (!rule) return [];
  const base = `/spec/rules/${index}`;
  const problems: Problem[] = [];
  const kinds = Object.keys(ACTION_KINDS);
  (rule.match?.actions ?? []).forEach((pattern, at) => {
    if (kinds.some((kind) => picomatch.isMatch(kind, pattern))) return;
    const hint = suggest(pattern, kinds);
    problems.push(
      problemAt(
        document,
        `${base}/match/actions/${at}`,
        'matches-no-action',
        `'${pattern}' matches no action kind${hint ? ` (did you mean '${hint}'?)` : ''}; kinds: ${kinds.join(', ')}`,
        {
          severity: 'warning',
        },
      ),
    );
  });
  if (input.fleet) {
    const orgNames = input.fleet.manifest.spec.orgs.map((org) => org.name);
    (rule.match?.orgs ?? []).forEach((org, at) => {
      if (orgNames.includes(org)) return;
      problems.push(
        problemAt(
          document,
          `${base}/match/orgs/${at}`,
          'undeclared-org',
          `org '${org}' is not declared in ${input.fleet?.document.file}; declared orgs: ${orgNames.join(', ')}`,
        ),
      );
    });
  }
  if (rule.match?.products)
    problems.push(...checkProductPatterns(input, document, `${base}/match/products`, rule.match.products));
  const timezone = rule.when?.schedule?.timezone;
  if (timezone !== undefined && !isTimeZone(timezone)) {
    problems.push(
      problemAt(
        document,
        `${base}/when/schedule/timezone`,
        'unknown-timezone',
        `unknown time zone '${timezone}'`,
        {
          expected: 'an IANA time zone such as Europe/Berlin or UTC',
          found: timezone,
        },
      ),
    );
  }
  if (
    rule.effect === 'require-approval' &&
    !rule.approvers?.length &&
    !input.fleet?.manifest.spec.orgs.some((org) => org.approvers?.length)
  ) {
    problems.push(
      problemAt(
        document,
        `${base}/effect`,
        'no-approvers',
        `rule '${rule.id}' requires approval, but it names no approvers and no org has any`,
        { severity: 'warning' },
      ),
    );
  }
  return problems;
}

/** A pattern over product ids that matches no product is most likely a typo: warn. */
function checkProductPatterns(
  input: CheckInput,
  document: ManifestDocument,
  pointer: string,
  patterns: string[],
): Problem[] {
  const ids = input.products.map(({ manifest }) => `${manifest.metadata.org}/${manifest.metadata.name}`);
  const problems: Problem[] = [];
  patterns.forEach((pattern, index) => {
    if (ids.some((id) => picomatch.isMatch(id, pattern))) return;
    const hint = suggest(pattern, ids);
    problems.push(
      problemAt(
        document,
        toPointer([...pointer.slice(1).split('/'), index]),
        'matches-no-product',
        `'${pattern}' matches no product of this fleet${hint ? ` (did you mean '${hint}'?)` : ''}`,
        {
          severity: 'warning',
        },
      ),
    );
  });
  return problems;
}

/** True for an IANA time zone name this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
