import { describe, expect, it } from 'vitest';
import { type ClassifiedCommit, classifyCommits } from '../../../src/facets/release/commits.js';

const SHA = 'a'.repeat(40);

function classifyOne(message: string, parents = 1) {
  return classifyCommits([{ sha: SHA, message, parents }]);
}

describe('classifyCommits', () => {
  it.each<[string, string, Partial<ClassifiedCommit>]>([
    ['feat asks for a minor', 'feat: add export', { type: 'feat', bump: 'minor', breaking: false }],
    ['fix asks for a patch', 'fix: stop the crash', { type: 'fix', bump: 'patch' }],
    ['perf asks for a patch', 'perf: cache the index', { type: 'perf', bump: 'patch' }],
    ['a revert type asks for a patch', 'revert: feat: add export', { type: 'revert', bump: 'patch' }],
    ['docs releases nothing on its own', 'docs: explain flags', { type: 'docs', bump: null }],
    [
      'chore releases nothing on its own',
      'chore(deps): bump x',
      { type: 'chore', scope: 'deps', bump: null },
    ],
    ['any well-formed type is kept with no bump', 'banana: peel', { type: 'banana', bump: null }],
    ['an upper-case type is read lower-cased', 'FEAT: shout', { type: 'feat', bump: 'minor' }],
    ['a capitalised type is read lower-cased', 'Fix(API): x', { type: 'fix', scope: 'API', bump: 'patch' }],
    [
      'the scope and description are split from the header',
      'feat(cli): add --dry-run',
      { scope: 'cli', description: 'add --dry-run', subject: 'feat(cli): add --dry-run' },
    ],
    [
      '"!" before the colon is breaking, its note the description',
      'feat!: drop node 18',
      {
        type: 'feat',
        breaking: true,
        bump: 'major',
        breakingNotes: ['drop node 18'],
        description: 'drop node 18',
      },
    ],
    [
      '"!" after a scope is breaking',
      'refactor(api)!: rename run',
      { type: 'refactor', scope: 'api', breaking: true, bump: 'major', breakingNotes: ['rename run'] },
    ],
    [
      'a BREAKING CHANGE footer is breaking, even on a chore',
      'chore: tidy\n\nBREAKING CHANGE: config moved to ship.yaml',
      { type: 'chore', breaking: true, bump: 'major', breakingNotes: ['config moved to ship.yaml'] },
    ],
    [
      'a BREAKING-CHANGE footer is breaking',
      'fix: a\n\nBREAKING-CHANGE: b is gone',
      { breaking: true, bump: 'major', breakingNotes: ['b is gone'] },
    ],
    [
      'a BREAKING CHANGE line in the middle of the body is breaking',
      'fix: a\n\nfirst paragraph\nBREAKING CHANGE: old flag removed\n\nRefs: #12',
      { breaking: true, breakingNotes: ['old flag removed'] },
    ],
    [
      'the footer text wins over "!" and stops at the next footer',
      'feat!: x\n\nBREAKING CHANGE: the long story\nover two lines\nRelease-As: 2.0.0\nSigned-off-by: A <a@b>',
      { breaking: true, breakingNotes: ['the long story\nover two lines'], releaseAs: '2.0.0' },
    ],
    [
      'lower-case "breaking change" is not breaking (the spec wants it upper-case)',
      'fix: a\n\nbreaking change: not really',
      { breaking: false, bump: 'patch', breakingNotes: [] },
    ],
    [
      'a "---" line in the body does not hide a later footer',
      'fix: a\n\n---\nBREAKING CHANGE: hidden?',
      { breaking: true, breakingNotes: ['hidden?'] },
    ],
    [
      "git's own Revert header counts as a revert",
      'Revert "feat: add export"\n\nThis reverts commit 0123456789abcdef.',
      { type: 'revert', bump: 'patch', description: 'feat: add export' },
    ],
    [
      "git's Revert header without the reverts line still counts",
      'Revert "fix: x"',
      { type: 'revert', bump: 'patch', description: 'fix: x' },
    ],
    [
      'a Release-As footer sets releaseAs',
      'chore: release\n\nRelease-As: 2.0.0',
      { releaseAs: '2.0.0', bump: null },
    ],
    [
      'the Release-As key is case-insensitive, v stripped',
      'chore: r\n\nrelease-as: v3.1.0',
      { releaseAs: '3.1.0' },
    ],
    [
      'a Release-As that is not semver is kept aside',
      'chore: r\n\nRelease-As: soon',
      { invalidReleaseAs: 'soon', bump: null },
    ],
    [
      'a CRLF message is read like an LF one',
      'feat: x\r\n\r\nBREAKING CHANGE: y\r\n',
      { breakingNotes: ['y'] },
    ],
  ])('%s', (_name, message, expected) => {
    const { commits, ignored } = classifyOne(message);
    expect(ignored).toEqual([]);
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({ sha: SHA, ...expected });
  });

  it.each<[string, string, number, 'merge' | 'not-conventional']>([
    ['a plain message', 'WIP', 1, 'not-conventional'],
    ['a space before the colon', 'feat : x', 1, 'not-conventional'],
    ['no space after the colon', 'feat:x', 1, 'not-conventional'],
    ['an empty description', 'feat: ', 1, 'not-conventional'],
    ['no type', ': x', 1, 'not-conventional'],
    ['an empty message', '', 1, 'not-conventional'],
    ['a blank message', ' \n\n ', 1, 'not-conventional'],
    ['a leading space', ' feat: x', 1, 'not-conventional'],
    ['a commit with two parents', 'feat: merged work', 2, 'merge'],
    ['a "Merge branch" header', "Merge branch 'main' into topic", 1, 'merge'],
    ['a "Merge pull request" header', 'Merge pull request #3 from a/b\n\nfeat: y', 1, 'merge'],
    ['a "Merge remote-tracking branch" header', "Merge remote-tracking branch 'origin/main'", 1, 'merge'],
  ])('ignores %s without throwing', (_name, message, parents, why) => {
    const { commits, ignored } = classifyOne(message, parents);
    expect(commits).toEqual([]);
    expect(ignored).toEqual([{ sha: SHA, subject: message.replace(/^[\r\n]+/, '').split('\n')[0], why }]);
  });

  it('keeps the order of the input and counts every ignored commit', () => {
    const { commits, ignored } = classifyCommits([
      { sha: '1', message: 'feat: a', parents: 1 },
      { sha: '2', message: 'WIP', parents: 1 },
      { sha: '3', message: 'fix: b', parents: 1 },
      { sha: '4', message: 'Merge x', parents: 2 },
    ]);
    expect(commits.map((commit) => commit.sha)).toEqual(['1', '3']);
    expect(ignored.map((commit) => [commit.sha, commit.why])).toEqual([
      ['2', 'not-conventional'],
      ['4', 'merge'],
    ]);
  });

  it('takes the highest of several Release-As footers in one commit', () => {
    const { commits } = classifyOne('chore: r\n\nRelease-As: 1.5.0\nRelease-As: 2.0.0\nRelease-As: 1.9.0');
    expect(commits[0]?.releaseAs).toBe('2.0.0');
  });
});
