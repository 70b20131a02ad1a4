import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialAccess, replaceRepoCredentials } from '../../../src/backends/git/credentials.js';

afterEach(() => replaceRepoCredentials(new Map()));

describe('what a git command gets to reach a private repository', () => {
  it('nothing for a repository without a credential', async () => {
    expect((await credentialAccess('https://git.example/acme/open.git')).env).toEqual({});
    expect((await credentialAccess(undefined)).env).toEqual({});
  });

  it("a token through the askpass script, with the URL's user or x-access-token", async () => {
    replaceRepoCredentials(
      new Map([
        ['https://git.example/acme/lib.git', { kind: 'token', token: 't0ken' }],
        ['https://bot@git.example/acme/app.git', { kind: 'token', token: 't0ken' }],
      ]),
    );
    const plain = await credentialAccess('https://git.example/acme/lib.git');
    expect(plain.env).toMatchObject({
      CODEMONKEYS_GIT_USERNAME: 'x-access-token',
      CODEMONKEYS_GIT_PASSWORD: 't0ken',
    });
    expect(statSync(plain.env.GIT_ASKPASS as string).mode & 0o111).not.toBe(0);
    expect(
      (await credentialAccess('https://bot@git.example/acme/app.git')).env.CODEMONKEYS_GIT_USERNAME,
    ).toBe('bot');
  });

  it('a private key in a 0600 file for one command, named in GIT_SSH_COMMAND, removed afterwards', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----';
    replaceRepoCredentials(new Map([['git@git.example:acme/lib.git', { kind: 'ssh-key', key }]]));
    const access = await credentialAccess('git@git.example:acme/lib.git');
    const file = /-i '([^']+)'/.exec(access.env.GIT_SSH_COMMAND ?? '')?.[1] as string;
    expect(access.env.GIT_SSH_COMMAND).toMatch(/^ssh -i '[^']+' -o IdentitiesOnly=yes -o BatchMode=yes/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${key}\n`);
    expect(access.env.GIT_SSH_COMMAND).not.toContain('OPENSSH');
    await access.cleanup();
    expect(existsSync(file)).toBe(false);
  });
});
