import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { ASK_GIT, readLooseFile } from '../../../src/backends/git/loose-objects.js';
import { readFileAt } from '../../../src/backends/git/propose.js';
import { GIT_ENV, git, tempDir } from '../../helpers/git.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A work tree with a nested file, an executable, a symlink, a non-ASCII text and a submodule entry. */
async function repository(): Promise<{ dir: string; gitDir: string; head: string }> {
  const { dir, cleanup } = tempDir('cm-loose-');
  cleanups.push(cleanup);
  await git(dir, 'init', '-q', '-b', 'main');
  mkdirSync(join(dir, 'ci', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'Jenkinsfile'), 'pipeline { agent any }\n// é ✓\n');
  writeFileSync(join(dir, 'ci', 'deep', 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'ci', 'deep', 'run.sh'), 0o755);
  symlinkSync('Jenkinsfile', join(dir, 'link'));
  await git(dir, 'add', '-A');
  // A submodule's entry, with no work tree of its own (so added to the index by hand).
  await git(dir, 'update-index', '--add', '--cacheinfo', `160000,${'a'.repeat(40)},vendor`);
  await git(dir, 'commit', '-q', '--no-gpg-sign', '-m', 'files');
  const head = await git(dir, 'rev-parse', 'HEAD');
  return { dir, gitDir: join(dir, '.git'), head };
}

/** What git itself says: the file's text, or undefined when the path is not in the commit. */
async function catFile(gitDir: string, commit: string, path: string): Promise<string | undefined> {
  const result = await execa('git', ['cat-file', 'blob', `${commit}:${path}`], {
    cwd: gitDir,
    env: GIT_ENV,
    reject: false,
    stripFinalNewline: false,
  });
  return result.exitCode === 0 ? result.stdout : undefined;
}

const PATHS = ['Jenkinsfile', 'ci/deep/run.sh', 'link', 'missing', 'ci/missing', 'Jenkinsfile/below', 'ci'];

describe('reading a file at a commit from loose objects', () => {
  it('answers as git cat-file does for files, executables, symlinks and paths that are not there', async () => {
    const { gitDir, head } = await repository();
    for (const path of PATHS) {
      const loose = readLooseFile(gitDir, head, path);
      if (path === 'ci') expect(loose).toBe(ASK_GIT);
      else expect(loose, path).toBe(await catFile(gitDir, head, path));
    }
    expect(readLooseFile(gitDir, head, 'Jenkinsfile')).toContain('é ✓');
  });

  it('leaves to git what it cannot vouch for: submodules, unknown commits, SHA-256 ids, packed objects', async () => {
    const { dir, gitDir, head } = await repository();
    expect(readLooseFile(gitDir, head, 'vendor')).toBe(ASK_GIT);
    expect(readLooseFile(gitDir, 'b'.repeat(40), 'Jenkinsfile')).toBe(ASK_GIT);
    expect(readLooseFile(gitDir, 'c'.repeat(64), 'Jenkinsfile')).toBe(ASK_GIT);
    await git(dir, 'gc', '-q');
    expect(readLooseFile(gitDir, head, 'Jenkinsfile')).toBe(ASK_GIT);
    // readFileAt asks git then, with the same answers.
    for (const path of PATHS.filter((each) => each !== 'ci'))
      expect(await readFileAt(gitDir, head, path), path).toBe(await catFile(gitDir, head, path));
  });

  it('leaves a repository with replace refs or borrowed objects (alternates) to git', async () => {
    const { gitDir, head } = await repository();
    expect(readLooseFile(gitDir, head, 'Jenkinsfile')).not.toBe(ASK_GIT);
    mkdirSync(join(gitDir, 'refs', 'replace'));
    expect(readLooseFile(gitDir, head, 'Jenkinsfile')).toBe(ASK_GIT);
    rmSync(join(gitDir, 'refs', 'replace'), { recursive: true });
    mkdirSync(join(gitDir, 'objects', 'info'), { recursive: true });
    writeFileSync(join(gitDir, 'objects', 'info', 'alternates'), '/nowhere/objects\n');
    expect(readLooseFile(gitDir, head, 'Jenkinsfile')).toBe(ASK_GIT);
  });
});
