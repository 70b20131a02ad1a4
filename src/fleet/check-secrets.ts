import type { ManifestDocument } from './document.js';
import { problemAt } from './document.js';
import type { Problem } from './problems.js';
import { toPointer } from './yaml.js';

/** Keys that name a secret; a literal string under one of them is a secret written in the manifest. */
const SECRET_KEY =
  /(^|[_-])(token|password|passwd|secret|api[_-]?key|private[_-]?key)$|^(token|password|secret|apikey)$/i;
/** user:password@ in a URL. */
const URL_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;
/**
 * Maps whose keys name a secret and whose values are not one: fleet.yaml's
 * `spec.ci.jenkins.credentials` gives for an org credential (`acme/git-token`) the id of the
 * Jenkins credential holding it, never the secret.
 */
const NOT_SECRETS: Partial<Record<ManifestDocument['kind'], readonly string[]>> = {
  Fleet: ['/spec/ci/jenkins/credentials'],
};

/**
 * Finds secrets written as literals where the schema cannot tell: free-form maps (vars, env,
 * labels) with secret-named keys, and passwords embedded in URLs. Values are never echoed.
 */
export function checkLiteralSecrets(document: ManifestDocument): Problem[] {
  const problems: Problem[] = [];
  const exempt = NOT_SECRETS[document.kind] ?? [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === 'string') {
      if (exempt.includes(toPointer(path.slice(0, -1)))) return;
      const key = path[path.length - 1];
      if (typeof key === 'string' && SECRET_KEY.test(key) && value.length > 0) {
        problems.push(literal(document, path, `'${key}' looks like a secret`));
      } else if (URL_PASSWORD.test(value)) {
        problems.push(literal(document, path, 'the URL carries a password'));
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, [...path, index]);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  walk(document.value, []);
  return problems;
}

function literal(document: ManifestDocument, path: (string | number)[], why: string): Problem {
  return problemAt(
    document,
    toPointer(path),
    'literal-secret',
    `secrets are never written in a manifest: ${why} at ${toPointer(path)}; expected a reference { env: NAME } or { file: path }, found a literal string (value not shown)`,
    {
      expected: 'a secret reference { env: NAME } or { file: path }',
      found: 'a literal string (value not shown)',
    },
  );
}
