import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestRelease, releases, versionOfTag } from '../../../src/backends/git/tags.js';
import { bareWithClone, commitAll, git, tempDir } from '../../helpers/git.js';

const temps: { cleanup(): void }[] = [];
afterEach(() => {
  for (const temp of temps.splice(0)) temp.cleanup();
});

describe('versionOfTag', () => {
  it.each([
    ['v1.2.3', 'v{version}', '1.2.3'],
    ['v1.2.3-rc.1', 'v{version}', '1.2.3-rc.1'],
    ['widget@2.0.0', 'widget@{version}', '2.0.0'],
    ['release-1.0.0-final', 'release-{version}-final', '1.0.0'],
    ['1.2.3', 'v{version}', undefined],
    ['v1.2', 'v{version}', undefined],
    ['v01.2.3', 'v{version}', undefined],
    ['v', 'v{version}', undefined],
    ['v1.2.3', 'no-placeholder', undefined],
  ])('%s under %s is %s', (tag, format, version) => {
    expect(versionOfTag(tag, format)).toBe(version);
  });
});

describe('releases', () => {
  it('lists the tagged versions newest first, annotated tags at their commit, and latest skips pre-releases', async () => {
    const temp = tempDir('cm-tags-');
    temps.push(temp);
    const { bare, work } = await bareWithClone(temp.dir);
    writeFileSync(join(work, 'a'), '1');
    const first = await commitAll(work, 'one');
    await git(work, 'tag', 'v1.0.0');
    writeFileSync(join(work, 'a'), '2');
    const second = await commitAll(work, 'two');
    await git(work, 'tag', '-a', '-m', 'release', 'v1.10.0');
    await git(work, 'tag', 'v2.0.0-rc.1');
    await git(work, 'tag', 'not-a-version');
    await git(work, 'push', '-q', '--tags', 'origin', 'main');
    const all = await releases(bare);
    expect(all).toEqual([
      { version: '2.0.0-rc.1', tag: 'v2.0.0-rc.1', commit: second },
      { version: '1.10.0', tag: 'v1.10.0', commit: second },
      { version: '1.0.0', tag: 'v1.0.0', commit: first },
    ]);
    expect(latestRelease(all)?.version).toBe('1.10.0');
    expect(latestRelease([])).toBeUndefined();
  });

  it('says the repository cannot be read, as a transient fault', async () => {
    await expect(releases('/nonexistent/repo.git')).rejects.toMatchObject({
      reason: 'RepoUnreachable',
      next: 'transient',
    });
  });
});
