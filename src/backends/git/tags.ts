import semver from 'semver';
import type { Product } from '../../fleet/model.js';
import { redactor } from '../../log/redact.js';
import { gitFailure, refuseOptionLike, runGit } from './remote.js';

/** A release of a product: a tag of its repository that the tag format reads as a version. */
export interface Release {
  version: string;
  tag: string;
  /** The commit the tag points at (peeled, for an annotated tag). */
  commit: string;
}

/** The default `release.tagFormat`. */
export const DEFAULT_TAG_FORMAT = 'v{version}';

/** A product's tag format with `{name}` filled in: `widget@{version}` for `{name}@{version}`. */
export function tagFormatOf(product: Product): string {
  const format = product.manifest.spec.release?.tagFormat ?? DEFAULT_TAG_FORMAT;
  return format.replaceAll('{name}', product.manifest.metadata.name);
}

/** The tag of a version under a tag format whose `{name}` is filled in. */
export function tagOf(version: string, tagFormat: string): string {
  return tagFormat.replace('{version}', version);
}

/**
 * The version a tag name carries under a tag format (`v{version}`, `widget@{version}`), or
 * undefined when the tag does not follow the format or the version is not semantic.
 */
export function versionOfTag(tag: string, tagFormat = DEFAULT_TAG_FORMAT): string | undefined {
  const at = tagFormat.indexOf('{version}');
  if (at < 0) return undefined;
  const prefix = tagFormat.slice(0, at);
  const suffix = tagFormat.slice(at + '{version}'.length);
  if (!tag.startsWith(prefix) || !tag.endsWith(suffix) || tag.length <= prefix.length + suffix.length)
    return undefined;
  const version = tag.slice(prefix.length, tag.length - suffix.length);
  return semver.valid(version) === version ? version : undefined;
}

/**
 * Every release of a remote repository, newest version first, from one `git ls-remote --tags`.
 * Throws `RepoUnreachable` (transient) when the repository cannot be read.
 */
export async function releases(repoUrl: string, tagFormat = DEFAULT_TAG_FORMAT): Promise<Release[]> {
  refuseOptionLike('repository URL', repoUrl);
  const args = ['ls-remote', '--tags', '--end-of-options', repoUrl];
  const result = await runGit(args, { remote: repoUrl });
  if (result.exitCode !== 0) {
    const shown = redactor.redactText(repoUrl);
    throw gitFailure(`cannot read the tags of ${shown}`, args, result, 'RepoUnreachable', 'transient');
  }
  const byTag = new Map<string, Release>();
  for (const line of result.stdout.split('\n')) {
    const [commit, ref] = line.split('\t');
    if (!commit || !ref?.startsWith('refs/tags/')) continue;
    const peeled = ref.endsWith('^{}');
    const tag = ref.slice('refs/tags/'.length, peeled ? -3 : undefined);
    const version = versionOfTag(tag, tagFormat);
    if (version === undefined) continue;
    // An annotated tag is listed twice: the tag object, then `^{}` with the commit it points at.
    if (peeled || !byTag.has(tag)) byTag.set(tag, { version, tag, commit });
  }
  return [...byTag.values()].sort((a, b) => semver.rcompare(a.version, b.version));
}

/** The newest release that is not a pre-release: what `version: latest` deploys. */
export function latestRelease(all: readonly Release[]): Release | undefined {
  return all.find((release) => semver.prerelease(release.version) === null);
}
