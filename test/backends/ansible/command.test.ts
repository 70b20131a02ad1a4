import { describe, expect, it } from 'vitest';
import { buildArgs, buildEnv, checkSecretEnv } from '../../../src/backends/ansible/command.js';
import type { RunWorkspace } from '../../../src/backends/ansible/workspace.js';

const WORKSPACE: RunWorkspace = {
  dir: '/tmp/run',
  configPath: '/tmp/run/ansible.cfg',
  inventoryPath: '/tmp/run/inventory.json',
  extraVarsPath: '/tmp/run/extra-vars.json',
  vaultPasswordPath: undefined,
  remove: async () => {},
};

describe('buildEnv', () => {
  const source = {
    PATH: '/usr/bin',
    HOME: '/home/ci',
    LANG: 'en_US.UTF-8',
    LC_TIME: 'de_DE.UTF-8',
    SSH_AUTH_SOCK: '/run/agent',
    ANSIBLE_CONFIG: '/home/ci/.ansible.cfg',
    ANSIBLE_STDOUT_CALLBACK: 'yaml',
    JENKINS_TOKEN: 'not-for-playbooks',
    EXTRA: 'asked for',
  };

  it("passes on what ssh and Python need, the request's secrets and our config, and nothing else", () => {
    const env = buildEnv({ env: source, passEnv: ['EXTRA'] }, { NPM_TOKEN: 's3cret' }, WORKSPACE);
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/ci',
      LANG: 'en_US.UTF-8',
      LC_TIME: 'de_DE.UTF-8',
      SSH_AUTH_SOCK: '/run/agent',
      EXTRA: 'asked for',
      NPM_TOKEN: 's3cret',
      ANSIBLE_CONFIG: '/tmp/run/ansible.cfg',
      PYTHONDONTWRITEBYTECODE: '1',
    });
  });

  it.each([
    [{ PATH: '/bin' }, 'C.UTF-8'],
    [{ PATH: '/bin', LANG: 'C' }, 'C.UTF-8'],
    [{ PATH: '/bin', LANG: 'C.utf8' }, undefined],
    [{ PATH: '/bin', LC_ALL: 'en_GB.UTF-8' }, 'en_GB.UTF-8'],
  ])('with %j sets LC_ALL to %s, since Ansible refuses a locale that is not UTF-8', (env, lcAll) => {
    expect(buildEnv({ env }, {}, WORKSPACE).LC_ALL).toBe(lcAll);
  });
});

describe('checkSecretEnv', () => {
  it.each(['ANSIBLE_CONFIG', 'PATH', 'HOME', 'LC_ALL', 'NPM-TOKEN', '1TOKEN', ''])(
    'refuses %j as the name of a secret variable',
    (name) => {
      expect(() => checkSecretEnv({ [name]: 'value' })).toThrow(/cannot be used/);
    },
  );

  it('accepts plain names and never puts the value in its message', () => {
    expect(checkSecretEnv({ NPM_TOKEN: 'v', cargo_registry_token: 'w' })).toEqual({
      NPM_TOKEN: 'v',
      cargo_registry_token: 'w',
    });
    expect(() => checkSecretEnv({ PATH: 'hidden-value' })).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining('hidden-value') }),
    );
  });
});

describe('buildArgs', () => {
  it('keeps values that look like options attached to their flag, and the playbook last', () => {
    const request = {
      playbook: 'x.yml',
      baseDir: '/',
      limit: '-web',
      tags: ['a', 'b'],
      skipTags: ['systemd'],
    };
    expect(buildArgs(['--check', '--diff'], request, WORKSPACE, '/inv', '/abs/x.yml')).toEqual([
      '-i',
      '/inv',
      '--extra-vars',
      '@/tmp/run/extra-vars.json',
      '--check',
      '--diff',
      '--limit=-web',
      '--tags=a,b',
      '--skip-tags=systemd',
      '/abs/x.yml',
    ]);
  });
});
