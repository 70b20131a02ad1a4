import type { ManifestDocument } from './document.js';
import { problemAt } from './document.js';
import type { Problem } from './problems.js';

/** URL schemes git may use for a product repo: the protocols every git call allows (GIT_PROTOCOLS). */
const SCHEMES = new Set(['file', 'git', 'http', 'https', 'ssh', 'git+ssh', 'ssh+git']);

/** Values of a Product that git reads as a ref or a tag (a leading '-' would make them an option). */
const REFS = ['/spec/repo/branch', '/spec/release/branch', '/spec/release/tagFormat'];

/** Values of a Product that name a path in a repository. */
const PATHS = ['/spec/docs/config', '/spec/deploy/playbook', '/spec/deploy/inventory', '/spec/infra/module'];

/**
 * What a Product hands to git must stay data: its repo URL uses one of the protocols git is
 * allowed (never `ext::`, `fd::` or another transport helper, which run commands), and no
 * branch, ref, tag or path starts with '-'. Checked at validation, so that such a value is
 * reported at its line instead of failing (or worse) when it is observed.
 */
export function checkGitValues(document: ManifestDocument): Problem[] {
  if (document.kind !== 'Product') return [];
  const problems: Problem[] = [];
  const url = valueAt(document.value, '/spec/repo/url');
  if (typeof url === 'string') {
    const why = unsafeRepoUrl(url);
    if (why)
      problems.push(
        problemAt(document, '/spec/repo/url', 'unsafe-repo-url', `spec.repo.url ${why}`, {
          expected: 'a path, or a file://, git://, http(s):// or ssh:// URL, or user@host:path',
          found: url.length > 60 ? `${url.slice(0, 60)}…` : url,
        }),
      );
  }
  const environments = valueAt(document.value, '/spec/deploy/environments');
  const inventories =
    environments !== null && typeof environments === 'object'
      ? Object.keys(environments).map(
          (name) => `/spec/deploy/environments/${name.replaceAll('~', '~0').replaceAll('/', '~1')}/inventory`,
        )
      : [];
  for (const [pointer, what] of [
    ...REFS.map((pointer) => [pointer, 'a branch, ref or tag'] as const),
    ...[...PATHS, ...inventories].map((pointer) => [pointer, 'a path'] as const),
  ]) {
    const value = valueAt(document.value, pointer);
    if (typeof value !== 'string' || !value.startsWith('-')) continue;
    problems.push(
      problemAt(
        document,
        pointer,
        'option-like-value',
        `${pointer.slice(1).replaceAll('/', '.')} starts with '-': git would read ${what} like this as an option`,
        { expected: `${what} not starting with '-'`, found: value },
      ),
    );
  }
  return problems;
}

/** Why a repo URL may not be used (undefined: it may). */
export function unsafeRepoUrl(url: string): string | undefined {
  if (url.startsWith('-')) return "starts with '-': git would read it as an option";
  const helper = /^([A-Za-z][A-Za-z0-9+.-]*)::/.exec(url);
  if (helper) return `uses git's transport helper '${helper[1]}::', which can run a command: refused`;
  if (url.includes('::')) return "holds '::', git's transport helper syntax: refused";
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (scheme && !SCHEMES.has((scheme[1] as string).toLowerCase()))
    return `uses the protocol '${scheme[1]}://', which git is not allowed here`;
  return undefined;
}

function valueAt(value: unknown, pointer: string): unknown {
  let current = value;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return current;
}
