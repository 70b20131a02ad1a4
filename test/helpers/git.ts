import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** Git that ignores the developer's own configuration. */
export const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@localhost',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@localhost',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execa('git', args, { cwd, env: GIT_ENV });
  return stdout.trim();
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = 'cm-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // Retried: a build worker of the test may still be writing its last files (ENOTEMPTY).
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }),
  };
}

/** Copies a directory into a new git repository and commits it; returns the commit id. */
export async function gitRepoFrom(source: string, dir: string): Promise<string> {
  cpSync(source, dir, { recursive: true });
  await git(dir, 'init', '-q', '-b', 'main');
  return commitAll(dir, 'initial');
}

export async function commitAll(dir: string, message: string): Promise<string> {
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '--no-gpg-sign', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** A bare repository with `main` (empty) and a clone of it to commit and push from, under `dir`. */
export async function bareWithClone(dir: string): Promise<{ bare: string; work: string }> {
  const bare = join(dir, 'repo.git');
  const work = join(dir, 'work');
  await git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
  await git(dir, 'clone', '-q', bare, work);
  return { bare, work };
}

/** A repository `<temp>/<name>` on `main` with these files in one commit; its head and its removal. */
export async function committedRepo(
  prefix: string,
  name: string,
  files: Record<string, string>,
): Promise<{ repo: string; head: string; cleanup: () => void }> {
  const temp = tempDir(prefix);
  const repo = join(temp.dir, name);
  mkdirSync(repo);
  await git(repo, 'init', '-q', '-b', 'main');
  for (const [file, text] of Object.entries(files)) writeFileSync(join(repo, file), text);
  return { repo, head: await commitAll(repo, name), cleanup: temp.cleanup };
}
