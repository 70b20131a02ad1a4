import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { replaceRepoCredentials } from '../../../src/backends/git/credentials.js';
import { ensureMirror, mirrorPath } from '../../../src/backends/git/mirror.js';
import { branchHeads } from '../../../src/backends/git/remote.js';
import { releases } from '../../../src/backends/git/tags.js';
import { commitAll, git, tempDir } from '../../helpers/git.js';
import { type GitHttpServer, startGitHttpServer } from '../../helpers/git-http-server.js';

const TOKEN = 'glpat-7Hq2-private-repo-token';
let root: { dir: string; cleanup: () => void };
let server: GitHttpServer;
let head: string;
let url: string;

beforeAll(async () => {
  root = tempDir('cm-private-');
  const work = `${root.dir}/work`;
  await execa('git', ['init', '-q', '-b', 'main', work]);
  await execa('bash', ['-c', `echo hello > ${work}/README.md`]);
  head = await commitAll(work, 'first');
  await git(work, 'tag', 'v1.0.0');
  await execa('git', ['clone', '-q', '--bare', work, `${root.dir}/repos/acme/lib.git`]);
  server = await startGitHttpServer(`${root.dir}/repos`, TOKEN);
  url = `${server.url}/acme/lib.git`;
});
afterAll(async () => {
  await server.close();
  root.cleanup();
});
afterEach(() => {
  replaceRepoCredentials(new Map());
});

describe('a private repository on a real git server that requires a token', () => {
  it('is read with the token: heads, tags and a mirror, the token only in Basic auth', async () => {
    replaceRepoCredentials(new Map([[url, { kind: 'token', token: TOKEN }]]));
    expect((await branchHeads(url, ['main'])).get('main')).toBe(head);
    expect((await releases(url)).map((release) => release.version)).toEqual(['1.0.0']);
    const cache = tempDir('cm-private-cache-');
    try {
      expect(await ensureMirror(url, cache.dir, head)).toBe(mirrorPath(url, cache.dir));
    } finally {
      cache.cleanup();
    }
    const answered = server.requests.filter((request) => request.status === 200);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((request) => request.user === 'x-access-token')).toBe(true);
  });

  it('is refused without it, and the error says so without a token in it', async () => {
    await expect(branchHeads(url, ['main'])).rejects.toMatchObject({ reason: 'RepoUnreachable' });
    replaceRepoCredentials(new Map([[url, { kind: 'token', token: 'wrong-token' }]]));
    const error = (await branchHeads(url, ['main']).then(
      () => undefined,
      (caught: Error) => caught,
    )) as Error;
    expect(error).toMatchObject({ reason: 'RepoUnreachable' });
    expect(String(error.message)).not.toContain('wrong-token');
    expect(String(error.message)).not.toContain(TOKEN);
  });

  it('names a credential that could not be read, never reaching the server', async () => {
    const before = server.requests.length;
    replaceRepoCredentials(
      new Map([[url, { kind: 'unavailable', why: "credential 'repo' of org acme cannot be read" }]]),
    );
    await expect(branchHeads(url, ['main'])).rejects.toMatchObject({
      reason: 'CredentialUnavailable',
      next: 'stalled',
      message: "credential 'repo' of org acme cannot be read",
    });
    expect(server.requests.length).toBe(before);
  });
});
