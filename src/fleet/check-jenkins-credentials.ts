import type { CheckInput } from './check-products.js';
import type { ManifestDocument } from './document.js';
import { problemAt } from './document.js';
import type { FleetManifest } from './model.js';
import type { Problem } from './problems.js';
import { suggest } from './suggest.js';
import { toPointer } from './yaml.js';

const MAPPING = ['spec', 'ci', 'jenkins', 'credentials'] as const;

/**
 * `spec.ci.jenkins.credentials` maps org credentials to Jenkins credential ids, for the checkouts
 * Jenkins makes of private repositories. Checked both ways: every key names a credential an org
 * declares (a typo would map nothing), and every product that builds on Jenkins from a repository
 * needing a credential has its credential mapped (else Jenkins would clone it without one, and
 * the build would fail at its checkout).
 */
export function checkJenkinsCredentials(input: CheckInput): Problem[] {
  if (!input.fleet) return [];
  const { document, manifest } = input.fleet;
  const mapping = mappingOf(manifest);
  const problems = checkMappingKeys(document, manifest, mapping);
  if (!manifest.spec.ci?.jenkins) return problems;
  for (const product of input.products) {
    const { build, repo } = product.manifest.spec;
    const ci = build?.ci ?? manifest.spec.ci?.default ?? 'local';
    if (!build || ci !== 'jenkins' || repo.credentials === undefined) continue;
    const org = product.manifest.metadata.org;
    const declared = manifest.spec.orgs.find((each) => each.name === org)?.credentials ?? {};
    // An undeclared org or credential is reported by checkProducts already.
    if (!Object.hasOwn(declared, repo.credentials)) continue;
    const key = `${org}/${repo.credentials}`;
    if (mapping && Object.hasOwn(mapping, key)) continue;
    problems.push(
      problemAt(
        product.document,
        '/spec/repo/credentials',
        'jenkins-credential-unmapped',
        `${org}/${product.manifest.metadata.name} builds on jenkins, and Jenkins checks its repository out with credential '${repo.credentials}': ${input.fleet.document.file} maps no Jenkins credential to it (add '${key}: <Jenkins credential id>' to spec.ci.jenkins.credentials)`,
        {
          expected: `an entry '${key}: <Jenkins credential id>' in ${input.fleet.document.file} spec.ci.jenkins.credentials`,
          found: `no entry '${key}'`,
        },
      ),
    );
  }
  return problems;
}

/** The mapping as written, when it is a mapping (the schema reports anything else). */
function mappingOf(manifest: FleetManifest): Record<string, unknown> | undefined {
  const mapping: unknown = manifest.spec.ci?.jenkins?.credentials;
  return mapping !== null && typeof mapping === 'object' && !Array.isArray(mapping)
    ? (mapping as Record<string, unknown>)
    : undefined;
}

/** Each `<org>/<name>` key names a declared org, and one of that org's credentials. */
function checkMappingKeys(
  document: ManifestDocument,
  manifest: FleetManifest,
  mapping: Record<string, unknown> | undefined,
): Problem[] {
  const problems: Problem[] = [];
  const orgs = manifest.spec.orgs;
  const orgNames = orgs.map((org) => org.name);
  for (const key of Object.keys(mapping ?? {})) {
    const slash = key.indexOf('/');
    // A key of another shape is the schema's to report.
    if (slash < 1 || slash === key.length - 1) continue;
    const orgName = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const pointer = toPointer([...MAPPING, key]);
    const org = orgs.find((each) => each.name === orgName);
    if (!org) {
      const hint = suggest(orgName, orgNames);
      problems.push(
        problemAt(
          document,
          pointer,
          'undeclared-org',
          `spec.ci.jenkins.credentials maps '${key}', but org '${orgName}' is not declared in spec.orgs${hint ? ` (did you mean '${hint}'?)` : ''}; declared orgs: ${orgNames.join(', ')}`,
          { key: true, expected: `<org>/<credential> with an org of ${orgNames.join(', ')}`, found: key },
        ),
      );
      continue;
    }
    const names = Object.keys(org.credentials ?? {});
    if (names.includes(name)) continue;
    const hint = suggest(name, names);
    problems.push(
      problemAt(
        document,
        pointer,
        'unknown-credential',
        `spec.ci.jenkins.credentials maps '${key}', but '${name}' is not one of org ${orgName}'s credentials${hint ? ` (did you mean '${hint}'?)` : ''}; ${names.length ? `it has ${names.join(', ')}` : 'it has none'}`,
        {
          key: true,
          expected: names.length
            ? `one of ${names.map((each) => `${orgName}/${each}`).join(', ')}`
            : `a credential declared in spec.orgs[].credentials of org ${orgName}`,
          found: key,
        },
      ),
    );
  }
  return problems;
}
