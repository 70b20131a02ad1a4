import { describe, expect, it } from 'vitest';
import type { ClassifiedCommit } from '../../../src/facets/release/commits.js';
import {
  DEFAULT_RELEASE_OPTIONS,
  type NextVersion,
  type NextVersionInput,
  nextVersion,
  type ReleaseOptions,
} from '../../../src/facets/release/next-version.js';

const BUMPS: Record<string, ClassifiedCommit['bump']> = {
  feat: 'minor',
  fix: 'patch',
  perf: 'patch',
  revert: 'patch',
};

/** A classified commit of `type` (`type!` for breaking) with the sha `sha` padded to 40 characters. */
function commit(sha: string, type: string, extra: Partial<ClassifiedCommit> = {}): ClassifiedCommit {
  const breaking = type.endsWith('!');
  const bare = type.replace('!', '');
  return {
    sha: sha.padEnd(40, '0'),
    subject: `${type}: change ${sha}`,
    type: bare,
    description: `change ${sha}`,
    breaking,
    breakingNotes: breaking ? [`change ${sha}`] : [],
    bump: breaking ? 'major' : (BUMPS[bare] ?? null),
    ...extra,
  };
}

const sha = (short: string) => short.padEnd(40, '0');
const options = (extra: Partial<ReleaseOptions> = {}): ReleaseOptions => ({
  ...DEFAULT_RELEASE_OPTIONS,
  ...extra,
});

describe('nextVersion', () => {
  it.each<[string, Omit<NextVersionInput, 'options'> & { options?: ReleaseOptions }, Partial<NextVersion>]>([
    [
      'a feat bumps the minor',
      { current: '1.2.3', commits: [commit('a1', 'feat'), commit('b1', 'docs')] },
      { next: '1.3.0', bump: 'minor', deciding: [sha('a1')], why: 'feat in 1 commit: minor' },
    ],
    [
      'a fix bumps the patch',
      { current: '1.2.3', commits: [commit('a1', 'fix')] },
      { next: '1.2.4', bump: 'patch', why: 'fix in 1 commit: patch' },
    ],
    [
      'perf and revert bump the patch and are named',
      { current: '1.2.3', commits: [commit('a1', 'perf'), commit('b1', 'revert')] },
      { next: '1.2.4', deciding: [sha('a1'), sha('b1')], why: 'perf, revert in 2 commits: patch' },
    ],
    [
      'the highest bump wins: major over minor and patch',
      { current: '1.2.3', commits: [commit('a1', 'fix'), commit('b1', 'feat!'), commit('c1', 'feat')] },
      { next: '2.0.0', bump: 'major', deciding: [sha('b1')], why: 'breaking change in 1 commit: major' },
    ],
    [
      'the highest bump wins: minor over patch',
      { current: '1.2.3', commits: [commit('a1', 'fix'), commit('b1', 'feat'), commit('c1', 'feat')] },
      { next: '1.3.0', deciding: [sha('b1'), sha('c1')], why: 'feat in 2 commits: minor' },
    ],
    [
      'the first release is the initial version, whatever the bump',
      { commits: [commit('a1', 'feat!')] },
      { next: '0.1.0', bump: 'major', why: 'first release at 0.1.0 (breaking change in 1 commit)' },
    ],
    [
      'the first release uses a configured initial version',
      { commits: [commit('a1', 'fix')], options: options({ initialVersion: '1.0.0' }) },
      { next: '1.0.0' },
    ],
    [
      'a Release-As overrides the initial version',
      { commits: [commit('a1', 'chore', { releaseAs: '0.5.0' })] },
      {
        next: '0.5.0',
        bump: null,
        deciding: [sha('a1')],
        why: `Release-As: 0.5.0 in ${sha('a1').slice(0, 7)}`,
      },
    ],
    [
      'below 1.0.0 a breaking change goes to 1.0.0 by default',
      { current: '0.4.2', commits: [commit('a1', 'fix!')] },
      { next: '1.0.0', bump: 'major' },
    ],
    [
      'below 1.0.0 a breaking change bumps the minor with preMajorBreakingBumpsMinor',
      {
        current: '0.4.2',
        commits: [commit('a1', 'fix!')],
        options: options({ preMajorBreakingBumpsMinor: true }),
      },
      {
        next: '0.5.0',
        bump: 'major',
        why: 'breaking change in 1 commit: minor below 1.0.0 (preMajorBreakingBumpsMinor)',
      },
    ],
    [
      'at 1.0.0 and above preMajorBreakingBumpsMinor changes nothing',
      {
        current: '1.4.2',
        commits: [commit('a1', 'fix!')],
        options: options({ preMajorBreakingBumpsMinor: true }),
      },
      { next: '2.0.0' },
    ],
    [
      'below 1.0.0 a feat bumps the minor',
      { current: '0.4.2', commits: [commit('a1', 'feat')] },
      { next: '0.5.0' },
    ],
    [
      'below 1.0.0 a fix bumps the patch',
      { current: '0.4.2', commits: [commit('a1', 'fix')] },
      { next: '0.4.3' },
    ],
    [
      'a Release-As above current wins over the computed bump',
      { current: '1.2.3', commits: [commit('a1', 'feat!'), commit('b1', 'chore', { releaseAs: '1.9.0' })] },
      { next: '1.9.0', bump: 'major', deciding: [sha('b1')], notes: [] },
    ],
    [
      'the highest Release-As wins',
      {
        current: '1.2.3',
        commits: [
          commit('a1', 'chore', { releaseAs: '3.0.0' }),
          commit('b1', 'chore', { releaseAs: '4.0.0' }),
        ],
      },
      { next: '4.0.0', deciding: [sha('b1')] },
    ],
    [
      'a Release-As not above current is ignored with a note, the bump decides',
      { current: '1.2.3', commits: [commit('a1', 'fix', { releaseAs: '1.2.3' })] },
      { next: '1.2.4', notes: [`Release-As: 1.2.3 in ${sha('a1').slice(0, 7)} is not above 1.2.3: ignored`] },
    ],
    [
      'a Release-As not above current alone releases nothing',
      { current: '1.2.3', commits: [commit('a1', 'chore', { releaseAs: '1.0.0' })] },
      { next: null, notes: [`Release-As: 1.0.0 in ${sha('a1').slice(0, 7)} is not above 1.2.3: ignored`] },
    ],
    [
      'a Release-As that is not a version is named in a note',
      { current: '1.2.3', commits: [commit('a1', 'fix', { invalidReleaseAs: 'soon' })] },
      { next: '1.2.4', notes: [`Release-As: "soon" in ${sha('a1').slice(0, 7)} is not a version: ignored`] },
    ],
    [
      'nothing releasable gives null and a why naming the counts',
      {
        current: '1.2.0',
        commits: [commit('a1', 'docs'), commit('b1', 'chore'), commit('c1', 'docs'), commit('d1', 'docs')],
      },
      {
        next: null,
        bump: null,
        deciding: [],
        why: 'no commit since v1.2.0 releases anything (3 docs, 1 chore)',
      },
    ],
    [
      'no commit at all gives null',
      { current: '1.2.0', commits: [] },
      { next: null, why: 'no commit since v1.2.0' },
    ],
    [
      'nothing releasable before the first release says so',
      { commits: [commit('a1', 'chore')] },
      { next: null, why: 'no commit releases anything yet (1 chore)' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(nextVersion({ options: DEFAULT_RELEASE_OPTIONS, ...input })).toMatchObject(expected);
  });

  describe('on a prerelease channel', () => {
    const rc = options({ prerelease: 'rc' });

    it.each<[string, Omit<NextVersionInput, 'options'>, Partial<NextVersion>]>([
      [
        'the first prerelease of a core is rc.1',
        { current: '1.2.0', commits: [commit('a1', 'feat')], channelVersions: [] },
        { next: '1.3.0-rc.1', why: 'feat in 1 commit: minor, rc.1 of 1.3.0' },
      ],
      [
        'a new commit on the same core gives rc.2',
        {
          current: '1.2.0',
          commits: [commit('b1', 'fix'), commit('a1', 'feat')],
          prereleased: new Set([sha('a1')]),
          channelVersions: ['1.3.0-rc.1'],
        },
        { next: '1.3.0-rc.2', deciding: [sha('a1')] },
      ],
      [
        'the number follows the highest rc of the core, not the count',
        {
          current: '1.2.0',
          commits: [commit('a1', 'feat')],
          channelVersions: ['1.3.0-rc.1', '1.3.0-rc.4', '1.4.0-rc.9'],
        },
        { next: '1.3.0-rc.5' },
      ],
      [
        'a breaking change moves the core and starts again at rc.1',
        {
          current: '1.2.0',
          commits: [commit('c1', 'feat!'), commit('a1', 'feat')],
          prereleased: new Set([sha('a1')]),
          channelVersions: ['1.3.0-rc.1', '1.3.0-rc.2'],
        },
        { next: '2.0.0-rc.1' },
      ],
      [
        'versions of another channel do not count',
        { current: '1.2.0', commits: [commit('a1', 'feat')], channelVersions: ['1.3.0-beta.3', '1.3.0-rc'] },
        { next: '1.3.0-rc.1' },
      ],
      [
        'commits already prereleased are not new: nothing to release',
        {
          current: '1.2.0',
          commits: [commit('b1', 'docs'), commit('a1', 'feat')],
          prereleased: new Set([sha('a1')]),
          channelVersions: ['1.3.0-rc.1'],
        },
        {
          next: null,
          bump: 'minor',
          why: 'no commit since v1.2.0 releases anything (1 docs, 1 already in a prerelease)',
        },
      ],
      [
        'a Release-As shipped in an earlier rc still sets the core',
        {
          current: '1.2.0',
          commits: [commit('b1', 'fix'), commit('a1', 'chore', { releaseAs: '2.0.0' })],
          prereleased: new Set([sha('a1')]),
          channelVersions: ['2.0.0-rc.1'],
        },
        { next: '2.0.0-rc.2' },
      ],
      [
        'the first release on a channel is the initial version as rc.1',
        { commits: [commit('a1', 'feat')] },
        { next: '0.1.0-rc.1' },
      ],
    ])('%s', (_name, input, expected) => {
      expect(nextVersion({ ...input, options: rc })).toMatchObject(expected);
    });
  });

  it.each<[string, Partial<NextVersionInput>, RegExp]>([
    [
      'an initial version that is not semver',
      { options: options({ initialVersion: 'one' }) },
      /initialVersion.*"one"/,
    ],
    [
      'an initial version with a v',
      { options: options({ initialVersion: 'v1.0.0' }) },
      /initialVersion.*"v1.0.0"/,
    ],
    ['a channel with a dot', { options: options({ prerelease: 'rc.1' }) }, /prerelease.*"rc.1"/],
    ['an empty channel', { options: options({ prerelease: '' }) }, /prerelease.*""/],
    ['a current version that is not semver', { current: '1.2' }, /current version.*"1.2"/],
    ['a current version that is a prerelease', { current: '1.2.0-rc.1' }, /stable.*1.2.0-rc.1/],
  ])('throws a clear error for %s', (_name, input, message) => {
    expect(() => nextVersion({ commits: [], options: DEFAULT_RELEASE_OPTIONS, ...input })).toThrow(message);
  });
});
