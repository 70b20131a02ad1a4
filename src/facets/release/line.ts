import semver from 'semver';
import { isAncestor } from '../../backends/git/history.js';
import type { Release } from '../../backends/git/tags.js';

/** The releases a product's next version follows from, as seen from its branch head. */
export interface ReleaseLine {
  /** The newest stable release reachable from the head. */
  current?: Release;
  /** The newest prerelease of the channel reachable from the head and newer than `current`. */
  channelLatest?: Release;
  /** The newer of the two: the release that is published. */
  latest?: Release;
  /** Every version of the channel that is tagged, reachable or not: rc numbers are never reused. */
  channelVersions: string[];
}

/**
 * Finds the line's releases among all of the repository's (newest first): only tags reachable
 * from the head count, so a tag on another branch never hides commits of this one.
 */
export async function readLine(
  gitDir: string,
  head: string,
  all: readonly Release[],
  channel: string | undefined,
): Promise<ReleaseLine> {
  const line: ReleaseLine = { channelVersions: [] };
  for (const release of all) {
    const tags = semver.prerelease(release.version);
    if (tags !== null && tags[0] === channel) line.channelVersions.push(release.version);
  }
  for (const release of all) {
    if (semver.prerelease(release.version) !== null) continue;
    if (await isAncestor(gitDir, release.commit, head)) {
      line.current = release;
      break;
    }
  }
  for (const version of line.channelVersions) {
    const release = all.find((each) => each.version === version) as Release;
    if (line.current && semver.lte(release.version, line.current.version)) break;
    if (await isAncestor(gitDir, release.commit, head)) {
      line.channelLatest = release;
      break;
    }
  }
  const latest = line.channelLatest ?? line.current;
  if (latest) line.latest = latest;
  return line;
}
