import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureMirror } from '../../../src/backends/git/mirror.js';
import { checkExistingTag, commitTagAndPush } from '../../../src/backends/git/tag-release.js';
import { CodemonkeysError } from '../../../src/errors.js';
import { bareWithClone, commitAll, git, tempDir } from '../../helpers/git.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A bare repo with one commit on main, a clone to commit from, and a second clone for the release. */
async function repoWithHead() {
  const temp = tempDir('cm-tag-release-');
  cleanups.push(temp.cleanup);
  const { bare, work } = await bareWithClone(temp.dir);
  writeFileSync(join(work, 'README.md'), '# lib\n');
  const base = await commitAll(work, 'first');
  await git(work, 'push', '-q', 'origin', 'main');
  const release = join(temp.dir, 'release');
  await git(temp.dir, 'clone', '-q', bare, release);
  return { dir: temp.dir, bare, work, base, release };
}

const when = new Date('2026-11-26T12:00:00Z');
const SUBJECT = 'chore(release): 0.1.0';

describe('commitTagAndPush', () => {
  it('commits the files, tags the commit (annotated, dated by the given clock) and pushes branch and tag', async () => {
    const { bare, base, release } = await repoWithHead();
    writeFileSync(join(release, 'CHANGELOG.md'), '# Changelog\n');
    const commit = await commitTagAndPush({
      dir: release,
      repoUrl: bare,
      base,
      branch: 'main',
      tag: 'v0.1.0',
      files: ['CHANGELOG.md'],
      message: 'chore(release): 0.1.0\n\nnotes',
      date: when,
    });
    expect(await git(bare, 'rev-parse', 'main')).toBe(commit);
    expect(await git(bare, 'rev-parse', 'v0.1.0^{commit}')).toBe(commit);
    expect(await git(bare, 'cat-file', '-t', 'v0.1.0')).toBe('tag');
    expect(await git(bare, 'rev-parse', `${commit}^`)).toBe(base);
    expect(await git(bare, 'log', '-1', '--format=%cI %an', commit)).toBe(
      '2026-11-26T12:00:00+00:00 Code Monkeys Ship',
    );
  });

  it('pushes neither branch nor tag when the branch moved since the plan (transient: plan again)', async () => {
    const { bare, work, base, release } = await repoWithHead();
    writeFileSync(join(work, 'other.txt'), 'someone else\n');
    await commitAll(work, 'fix: someone else');
    await git(work, 'push', '-q', 'origin', 'main');
    writeFileSync(join(release, 'CHANGELOG.md'), '# Changelog\n');
    const attempt = commitTagAndPush({
      dir: release,
      repoUrl: bare,
      base,
      branch: 'main',
      tag: 'v0.1.0',
      files: ['CHANGELOG.md'],
      message: 'chore(release): 0.1.0',
      date: when,
    });
    await expect(attempt).rejects.toMatchObject({ reason: 'ReleasePushRejected', next: 'transient' });
    expect(await git(bare, 'tag', '--list')).toBe('');
  });
});

describe('checkExistingTag', () => {
  it('takes a tag at the base, or at the release commit on it, as this release; any other commit (on the base too) stalls, naming both', async () => {
    const { dir, bare, work, base } = await repoWithHead();
    writeFileSync(join(work, 'CHANGELOG.md'), '# Changelog\n');
    const onTop = await commitAll(work, 'chore(release): 0.1.0');
    await git(work, 'checkout', '-q', '--detach', base);
    writeFileSync(join(work, 'side.txt'), 'side\n');
    const side = await commitAll(work, 'side');
    await git(work, 'checkout', '-q', '--detach', onTop);
    writeFileSync(join(work, 'more.txt'), 'more\n');
    const twoUp = await commitAll(work, 'more');
    await git(work, 'push', '-q', 'origin', `${twoUp}:refs/heads/other`, `${side}:refs/heads/side`);
    const gitDir = await ensureMirror(bare, join(dir, 'mirrors'), twoUp);
    await ensureMirror(bare, join(dir, 'mirrors'), side);

    await expect(
      checkExistingTag(gitDir, { version: '0.1.0', tag: 'v0.1.0', commit: base }, base, SUBJECT),
    ).resolves.toBeUndefined();
    await expect(
      checkExistingTag(gitDir, { version: '0.1.0', tag: 'v0.1.0', commit: onTop }, base, SUBJECT),
    ).resolves.toBeUndefined();
    for (const elsewhere of [side, twoUp]) {
      const checked = checkExistingTag(
        gitDir,
        { version: '0.1.0', tag: 'v0.1.0', commit: elsewhere },
        base,
        SUBJECT,
      );
      await expect(checked).rejects.toBeInstanceOf(CodemonkeysError);
      await expect(checked).rejects.toMatchObject({ reason: 'ReleaseTagConflict', next: 'stalled' });
      await expect(checked).rejects.toThrow(elsewhere);
      await expect(checked).rejects.toThrow(base);
    }
  });
});
