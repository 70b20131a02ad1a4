import { describe, expect, it } from 'vitest';
import { messageOf, parseCallbackOutput, statusOf } from '../../../src/backends/ansible/callback.js';

const RUN = {
  plays: [
    {
      play: { name: 'Deploy', id: 'p1' },
      tasks: [
        {
          task: { name: 'Copy', id: 't1', action: 'ansible.builtin.copy' },
          hosts: {
            web1: {
              changed: true,
              diff: { before: 'a', after: 'b' },
              invocation: { module_args: {} },
              dest: '/x',
            },
            web2: { changed: false, dest: '/x', _ansible_no_log: false },
          },
        },
        {
          task: { name: 'Restart', id: 't2' },
          hosts: {
            web1: {
              failed: true,
              msg: 'non-zero return code',
              stderr: 'first\nunit not found\n',
              action: 'command',
            },
          },
        },
      ],
    },
  ],
  stats: { web1: { ok: 1, changed: 1, failures: 1 }, web2: { ok: 1, changed: 0, rescued: 'x' } },
  custom_stats: { web1: { deployed_version: '1.0.0' } },
  global_custom_stats: { run: 1 },
};

describe('parseCallbackOutput', () => {
  it('reads one line of JSON into per-host, per-task results, the recap and set_stats data', () => {
    const parsed = parseCallbackOutput(`${JSON.stringify(RUN)}\n`);
    expect(parsed?.tasks).toEqual([
      {
        play: 'Deploy',
        task: 'Copy',
        action: 'ansible.builtin.copy',
        host: 'web1',
        status: 'changed',
        ignored: false,
        diff: { before: 'a', after: 'b' },
        data: { changed: true, dest: '/x' },
      },
      {
        play: 'Deploy',
        task: 'Copy',
        action: 'ansible.builtin.copy',
        host: 'web2',
        status: 'ok',
        ignored: false,
        data: { changed: false, dest: '/x' },
      },
      {
        play: 'Deploy',
        task: 'Restart',
        action: 'command',
        host: 'web1',
        status: 'failed',
        ignored: false,
        message: 'non-zero return code: unit not found',
        data: { msg: 'non-zero return code', stderr: 'first\nunit not found\n' },
      },
    ]);
    expect(parsed?.hosts.web2).toEqual({
      ok: 1,
      changed: 0,
      failures: 0,
      unreachable: 0,
      skipped: 0,
      rescued: 0,
      ignored: 0,
    });
    expect(parsed?.customStats).toEqual({
      perHost: { web1: { deployed_version: '1.0.0' } },
      run: { run: 1 },
    });
  });

  it("reads ansible.posix's indented document after unrelated lines", () => {
    const stdout = `a stray print\n{ not json\n${JSON.stringify(RUN, null, 4)}\n`;
    expect(parseCallbackOutput(stdout)?.tasks).toHaveLength(3);
  });

  it.each([
    ['nothing', ''],
    ['an Ansible error', 'ERROR! the playbook: x.yml could not be found\n'],
    ['JSON that is not a run', '{"msg": "hello"}\n'],
  ])('finds no run in %s', (_what, stdout) => {
    expect(parseCallbackOutput(stdout)).toBeUndefined();
  });
});

describe('statusOf', () => {
  it.each([
    [{ unreachable: true, failed: true }, 'unreachable'],
    [{ failed: true, changed: true }, 'failed'],
    [{ skipped: true }, 'skipped'],
    [{ changed: true }, 'changed'],
    [{ changed: false }, 'ok'],
    [{}, 'ok'],
  ] as const)('%j is %s', (result, status) => {
    expect(statusOf(result)).toBe(status);
  });
});

describe('messageOf', () => {
  it.each([
    ['the module message', { msg: 'Destination not writable' }, 'Destination not writable'],
    [
      'the last stderr line after a bare return code',
      { msg: 'non-zero return code', stderr: 'a\nb\n' },
      'non-zero return code: b',
    ],
    ['stderr only once when msg already holds it', { msg: 'failed: b', stderr: 'b' }, 'failed: b'],
    [
      'the reason of an include that failed',
      { failed: true, reason: "Could not find or access 'x.yml'" },
      "Could not find or access 'x.yml'",
    ],
    [
      'the censored notice of a no_log task',
      { censored: 'the output has been hidden' },
      'the output has been hidden',
    ],
    [
      'the first failed loop item',
      {
        msg: 'One or more items failed',
        results: [{ failed: false }, { failed: true, msg: 'item two broke' }],
      },
      'item two broke',
    ],
    ['nothing for an empty result', {}, undefined],
  ])('takes %s', (_what, result, message) => {
    expect(messageOf(result)).toBe(message);
  });
});
