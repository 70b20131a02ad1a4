import semver from 'semver';
import type { Bump, ClassifiedCommit } from './commits.js';

/** How a product's versions move: where they start, what a breaking change does below 1.0.0, the prerelease channel. */
export interface ReleaseOptions {
  initialVersion: string;
  preMajorBreakingBumpsMinor: boolean;
  /** A prerelease channel such as `rc`: versions come out as `1.3.0-rc.1`, `1.3.0-rc.2`, … */
  prerelease?: string;
}

/** Start at 0.1.0; a breaking change below 1.0.0 goes to 1.0.0; no prerelease channel. */
export const DEFAULT_RELEASE_OPTIONS: ReleaseOptions = {
  initialVersion: '0.1.0',
  preMajorBreakingBumpsMinor: false,
};

/** What the next version is computed from. */
export interface NextVersionInput {
  /** The newest stable release reachable from the head (its version), undefined before the first release. */
  current?: string;
  /** Commits since `current` (or all, before the first), newest first, classified. */
  commits: readonly ClassifiedCommit[];
  /** Shas among `commits` already shipped in a prerelease of the channel (so not "new"). */
  prereleased?: ReadonlySet<string>;
  /** Versions of the channel's prereleases that exist (any core), e.g. ['1.3.0-rc.1','1.3.0-rc.2']. */
  channelVersions?: readonly string[];
  options: ReleaseOptions;
}

/** The next version and the reasons for it. */
export interface NextVersion {
  /** null: nothing releasable. */
  next: string | null;
  /** The highest bump of the commits (null with Release-As only or nothing). */
  bump: Bump | null;
  /** Shas of the commits that decided (those with the winning bump, or the Release-As commit). */
  deciding: string[];
  /** One plain sentence, e.g. "feat in 2 commits: minor". */
  why: string;
  /** Problems that were not fatal, e.g. a Release-As not above current, ignored. */
  notes: string[];
}

const BUMP_ORDER: readonly Bump[] = ['major', 'minor', 'patch'];
const CHANNEL = /^[0-9A-Za-z-]+$/;

/** The version the commits since `current` ask for: the highest bump wins, a Release-As footer overrides it. */
export function nextVersion(input: NextVersionInput): NextVersion {
  const { current, commits, options } = input;
  validateInput(current, options);
  const notes = notesOnReleaseAs(commits);
  const bump = highestBump(commits);
  const releaseAs = chooseReleaseAs(commits, current, notes);
  const fresh = commits.filter((commit) => !input.prereleased?.has(commit.sha));
  const releasable = fresh.some((commit) => commit.bump !== null || isAbove(commit.releaseAs, current));
  if (!releasable || (!bump && !releaseAs)) {
    return { next: null, bump, deciding: [], why: nothingWhy(current, commits, fresh), notes };
  }
  const decided = releaseAs
    ? {
        core: releaseAs.version,
        deciding: [releaseAs.sha],
        why: `Release-As: ${releaseAs.version} in ${short(releaseAs.sha)}`,
      }
    : bumpDecision(current, commits, bump as Bump, options);
  if (!options.prerelease) return { next: decided.core, bump, ...decided, notes };
  const core = coreOf(decided.core);
  const n = nextPrereleaseNumber(core, options.prerelease, input.channelVersions ?? []);
  const next = `${core}-${options.prerelease}.${n}`;
  return {
    next,
    bump,
    deciding: decided.deciding,
    why: `${decided.why}, ${options.prerelease}.${n} of ${core}`,
    notes,
  };
}

function validateInput(current: string | undefined, options: ReleaseOptions): void {
  if (semver.valid(options.initialVersion) !== options.initialVersion) {
    throw new Error(
      `release.initialVersion must be a semantic version like 0.1.0, got "${options.initialVersion}"`,
    );
  }
  if (options.prerelease !== undefined && !CHANNEL.test(options.prerelease)) {
    throw new Error(
      `release.prerelease must be a channel name of letters, digits and hyphens like rc, got "${options.prerelease}"`,
    );
  }
  if (current !== undefined && semver.valid(current) !== current) {
    throw new Error(`the current version must be a semantic version like 1.2.0, got "${current}"`);
  }
  if (current !== undefined && semver.prerelease(current)) {
    throw new Error(`the current version must be the newest stable release, got the prerelease ${current}`);
  }
}

function bumpDecision(
  current: string | undefined,
  commits: readonly ClassifiedCommit[],
  bump: Bump,
  options: ReleaseOptions,
): { core: string; deciding: string[]; why: string } {
  const winners = commits.filter((commit) => commit.bump === bump);
  const deciding = winners.map((commit) => commit.sha);
  const asked = `${labelOf(winners, bump)} in ${count(winners.length, 'commit')}`;
  if (current === undefined) {
    return {
      core: options.initialVersion,
      deciding,
      why: `first release at ${options.initialVersion} (${asked})`,
    };
  }
  const belowOne = semver.major(current) === 0;
  if (bump === 'major' && belowOne && options.preMajorBreakingBumpsMinor) {
    const core = semver.inc(current, 'minor') as string;
    return { core, deciding, why: `${asked}: minor below 1.0.0 (preMajorBreakingBumpsMinor)` };
  }
  return { core: semver.inc(current, bump) as string, deciding, why: `${asked}: ${bump}` };
}

function highestBump(commits: readonly ClassifiedCommit[]): Bump | null {
  for (const bump of BUMP_ORDER) {
    if (commits.some((commit) => commit.bump === bump)) return bump;
  }
  return null;
}

/** The highest Release-As above `current`; those not above it are named in `notes`. */
function chooseReleaseAs(
  commits: readonly ClassifiedCommit[],
  current: string | undefined,
  notes: string[],
): { version: string; sha: string } | undefined {
  let chosen: { version: string; sha: string } | undefined;
  for (const commit of commits) {
    if (!commit.releaseAs) continue;
    if (!isAbove(commit.releaseAs, current)) {
      notes.push(`Release-As: ${commit.releaseAs} in ${short(commit.sha)} is not above ${current}: ignored`);
    } else if (!chosen || semver.gt(commit.releaseAs, chosen.version)) {
      chosen = { version: commit.releaseAs, sha: commit.sha };
    }
  }
  return chosen;
}

function notesOnReleaseAs(commits: readonly ClassifiedCommit[]): string[] {
  const notes: string[] = [];
  for (const commit of commits) {
    if (commit.invalidReleaseAs === undefined) continue;
    notes.push(`Release-As: "${commit.invalidReleaseAs}" in ${short(commit.sha)} is not a version: ignored`);
  }
  return notes;
}

function isAbove(version: string | undefined, current: string | undefined): boolean {
  if (!version) return false;
  return current === undefined || semver.gt(version, current);
}

/** 1 + the highest N of `core-channel.N` among the channel's versions (1 when there is none). */
function nextPrereleaseNumber(core: string, channel: string, versions: readonly string[]): number {
  let highest = 0;
  for (const version of versions) {
    const parsed = semver.parse(version);
    if (!parsed || coreOf(parsed.version) !== core) continue;
    const [name, n, ...rest] = parsed.prerelease;
    if (name === channel && typeof n === 'number' && rest.length === 0) highest = Math.max(highest, n);
  }
  return highest + 1;
}

function coreOf(version: string): string {
  const parsed = semver.parse(version) as semver.SemVer;
  return `${parsed.major}.${parsed.minor}.${parsed.patch}`;
}

function nothingWhy(
  current: string | undefined,
  commits: readonly ClassifiedCommit[],
  fresh: readonly ClassifiedCommit[],
): string {
  const counts = new Map<string, number>();
  for (const commit of fresh) counts.set(commit.type, (counts.get(commit.type) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${n} ${type}`);
  const shipped = commits.length - fresh.length;
  if (shipped > 0) parts.push(`${shipped} already in a prerelease`);
  const since = current === undefined ? '' : ` since v${current}`;
  if (parts.length === 0) return `no commit${since}${current === undefined ? ' yet' : ''}`;
  const where =
    current === undefined ? 'no commit releases anything yet' : `no commit${since} releases anything`;
  return `${where} (${parts.join(', ')})`;
}

function labelOf(winners: readonly ClassifiedCommit[], bump: Bump): string {
  if (bump === 'major') return 'breaking change';
  return [...new Set(winners.map((commit) => commit.type))].join(', ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
