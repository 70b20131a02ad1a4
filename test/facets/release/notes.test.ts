import { describe, expect, it } from 'vitest';
import type { ClassifiedCommit } from '../../../src/facets/release/commits.js';
import { releaseNotes, webUrlOf } from '../../../src/facets/release/notes.js';

function commit(sha: string, type: string, description: string, extra: Partial<ClassifiedCommit> = {}) {
  const full = sha.padEnd(40, '0');
  return {
    sha: full,
    subject: `${type}: ${description}`,
    type,
    description,
    breaking: false,
    breakingNotes: [],
    bump: null,
    ...extra,
  } satisfies ClassifiedCommit;
}

const GH = 'https://github.com/acme/widget';
const base = { version: '1.3.0', tag: 'v1.3.0', previousTag: 'v1.2.0', date: '2026-12-06', repoUrl: GH };

describe('releaseNotes', () => {
  it('groups breaking changes, features, fixes, performance and reverts in that order, other types left out', () => {
    const notes = releaseNotes({
      ...base,
      commits: [
        commit('rev1', 'revert', 'feat: old thing'),
        commit('doc1', 'docs', 'explain flags'),
        commit('fix1', 'fix', 'stop the crash'),
        commit('perf1', 'perf', 'cache the index'),
        commit('feat1', 'feat', 'add export', { scope: 'cli' }),
        commit('brk1', 'feat', 'drop node 18', {
          breaking: true,
          breakingNotes: ['Node 18 is no longer supported'],
        }),
      ],
    });
    const link = (short: string) => `[${short.padEnd(7, '0')}](${GH}/commit/${short.padEnd(40, '0')})`;
    expect(notes).toBe(
      [
        `## [1.3.0](${GH}/compare/v1.2.0...v1.3.0) (2026-12-06)`,
        '',
        '### ⚠ BREAKING CHANGES',
        '',
        `* Node 18 is no longer supported (${link('brk1')})`,
        '',
        '### Features',
        '',
        `* **cli:** add export (${link('feat1')})`,
        `* drop node 18 (${link('brk1')})`,
        '',
        '### Bug Fixes',
        '',
        `* stop the crash (${link('fix1')})`,
        '',
        '### Performance Improvements',
        '',
        `* cache the index (${link('perf1')})`,
        '',
        '### Reverts',
        '',
        `* feat: old thing (${link('rev1')})`,
        '',
      ].join('\n'),
    );
  });

  it.each<[string, Partial<Parameters<typeof releaseNotes>[0]>, string]>([
    [
      'links the heading to the comparison when there is a previous tag',
      {},
      `## [1.3.0](${GH}/compare/v1.2.0...v1.3.0)`,
    ],
    ['writes a plain heading for the first release', { previousTag: undefined }, '## 1.3.0 (2026-12-06)'],
    [
      'writes a plain heading and bare shas for a local repository',
      { repoUrl: '/repos/widget.git' },
      '## 1.3.0 (2026',
    ],
  ])('%s', (_name, input, start) => {
    expect(releaseNotes({ ...base, commits: [], ...input }).startsWith(start)).toBe(true);
  });

  it('shows a bare short sha when the repository has no web URL', () => {
    const notes = releaseNotes({
      ...base,
      repoUrl: 'file:///repos/widget.git',
      commits: [commit('abc', 'fix', 'x')],
    });
    expect(notes).toContain('* x (abc0000)\n');
  });

  it('keeps the later lines of a breaking note inside its item', () => {
    const notes = releaseNotes({
      ...base,
      commits: [
        commit('a', 'fix', 'x', {
          breaking: true,
          breakingNotes: ['first line\nsecond line\n\nafter a gap'],
        }),
      ],
    });
    expect(notes).toContain(
      `* first line\n  second line\n\n  after a gap ([a000000](${GH}/commit/${'a'.padEnd(40, '0')}))`,
    );
  });

  it.each<[string, string, string]>([
    ['escapes HTML', 'render <script>alert(1)</script>', '* render &lt;script&gt;alert(1)&lt;/script&gt; ('],
    ['shows an escape character escaped', 'colour \u001b[31mred', '* colour \\x1B[31mred ('],
    ['shows a NUL and a C1 control escaped', 'a\u0000b\u0085c', '* a\\x00b\\x85c ('],
    ['shows a bidi override escaped', 'admin\u202Eresu', '* admin\\u202Eresu ('],
    ['turns a tab into a space', 'a\tb', '* a b ('],
  ])('%s in descriptions', (_name, description, expected) => {
    const notes = releaseNotes({ ...base, commits: [commit('a', 'fix', description)] });
    expect(notes).toContain(expected);
    const raw = [...notes].filter((char) => /[\p{Cc}\p{Cf}]/u.test(char) && char !== '\n');
    expect(raw).toEqual([]);
  });

  it('escapes the scope so it cannot break out of the bold', () => {
    const notes = releaseNotes({ ...base, commits: [commit('a', 'fix', 'x', { scope: 'a*b<c>' })] });
    expect(notes).toContain('* **a\\*b&lt;c&gt;:** x (');
  });
});

describe('webUrlOf', () => {
  const sha = 'f'.repeat(40);
  it.each<[string, string, string | undefined, string | undefined]>([
    ['GitHub over https', GH, `${GH}/commit/${sha}`, `${GH}/compare/v1...v2`],
    ['GitHub with .git and a trailing slash', `${GH}.git/`, `${GH}/commit/${sha}`, `${GH}/compare/v1...v2`],
    ['GitHub scp-like', 'git@github.com:acme/widget.git', `${GH}/commit/${sha}`, `${GH}/compare/v1...v2`],
    [
      'GitHub over ssh://',
      'ssh://git@github.com/acme/widget.git',
      `${GH}/commit/${sha}`,
      `${GH}/compare/v1...v2`,
    ],
    [
      'GitLab over https',
      'https://gitlab.com/acme/tools/widget.git',
      `https://gitlab.com/acme/tools/widget/-/commit/${sha}`,
      'https://gitlab.com/acme/tools/widget/-/compare/v1...v2',
    ],
    [
      'GitLab scp-like',
      'git@gitlab.com:acme/widget.git',
      `https://gitlab.com/acme/widget/-/commit/${sha}`,
      'https://gitlab.com/acme/widget/-/compare/v1...v2',
    ],
    [
      'Gitea over http with a port',
      'http://gitea.local:3000/acme/widget.git',
      `http://gitea.local:3000/acme/widget/commit/${sha}`,
      'http://gitea.local:3000/acme/widget/compare/v1...v2',
    ],
    [
      'Gitea over ssh with a port (dropped)',
      'ssh://git@gitea.local:2222/acme/widget.git',
      `https://gitea.local/acme/widget/commit/${sha}`,
      'https://gitea.local/acme/widget/compare/v1...v2',
    ],
    [
      'a scp-like URL to a host without a dot',
      'git@gitea:acme/widget.git',
      `https://gitea/acme/widget/commit/${sha}`,
      'https://gitea/acme/widget/compare/v1...v2',
    ],
    [
      'credentials in the URL (left out)',
      'https://bot:s3cret@github.com/acme/widget.git',
      `${GH}/commit/${sha}`,
      `${GH}/compare/v1...v2`,
    ],
    [
      'a token as user name (left out)',
      'https://ghp_token@github.com/acme/widget',
      `${GH}/commit/${sha}`,
      undefined,
    ],
    ['a local path', '/repos/widget.git', undefined, undefined],
    ['a relative path', '../widget', undefined, undefined],
    ['a file:// URL', 'file:///repos/widget.git', undefined, undefined],
    ['a Windows path', 'C:\\repos\\widget', undefined, undefined],
    ['a host with no owner/repo', 'https://github.com/widget', undefined, undefined],
  ])('%s', (_name, url, commitUrl, compareUrl) => {
    const web = webUrlOf(url);
    expect(web?.commit(sha)).toBe(commitUrl);
    if (compareUrl) expect(web?.compare('v1', 'v2')).toBe(compareUrl);
    expect(JSON.stringify(web ? [web.commit(sha), web.compare('a', 'b')] : null)).not.toMatch(
      /s3cret|ghp_token|bot@/,
    );
  });

  it('encodes what would end a Markdown link in a tag, keeping / and @', () => {
    expect(webUrlOf(GH)?.compare('widget@1.0.0', 'rel/(2)')).toBe(`${GH}/compare/widget@1.0.0...rel/%282%29`);
  });
});
