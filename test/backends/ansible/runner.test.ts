import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnsibleCommandError,
  AnsiblePlaybookFailed,
  type PlaybookRequest,
} from '../../../src/backends/ansible/index.js';
import type { CodemonkeysError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';
import { Redactor } from '../../../src/log/redact.js';
import { leftovers, rejection, type TestRunner, tempDir, testRunner } from './helpers.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/ansible');
const SECRET = 'tok-5f3a9c1e-never-shown';

const temp = tempDir('cm-ansible-runner-');
let test: TestRunner;
let logLines: string[];

beforeAll(() => {
  logLines = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const redactor = new Redactor();
  test = testRunner(temp.dir, {
    redactor,
    logger: createLogger({ stream, pretty: false, level: 'debug', redactor }),
  });
});
afterAll(() => temp.cleanup());

function fixture(playbook: string, extra: Partial<PlaybookRequest> = {}): PlaybookRequest {
  return { playbook, baseDir: FIXTURES, ...extra };
}

describe('a run whose last task fails', () => {
  let error: AnsiblePlaybookFailed;

  beforeAll(async () => {
    const request = fixture('statuses.yml', {
      vars: { greeting: 'from-extra-vars' },
      secretEnv: { DEMO_TOKEN: SECRET },
    });
    const thrown = await rejection(test.runner.apply(request));
    expect(thrown).toBeInstanceOf(AnsiblePlaybookFailed);
    error = thrown as AnsiblePlaybookFailed;
  });

  it('stalls with the failing task, its host and its message', () => {
    expect(error.reason).toBe('AnsibleTaskFailed');
    expect(error.next).toBe('stalled');
    expect(error.message).toContain("failed on localhost at task 'Fails loudly'");
    expect(error.message).toContain('non-zero return code: cannot deploy: [REDACTED] was refused');
    expect(error.result.failures.map((failure) => failure.task)).toEqual(['Fails loudly']);
  });

  it('reports every task on every host as ok, changed, failed or skipped', () => {
    const statuses = error.result.tasks.map((task) => [task.host, task.task, task.status, task.ignored]);
    expect(statuses).toEqual([
      ['localhost', 'Says hello', 'ok', false],
      ['localhost', 'Never runs', 'skipped', false],
      ['localhost', 'Fails but is ignored', 'failed', true],
      ['localhost', 'Changes something', 'changed', false],
      ['localhost', 'Reads the token', 'ok', false],
      ['localhost', 'Fails loudly', 'failed', false],
    ]);
    expect(error.result.hosts.localhost).toEqual({
      ok: 4,
      changed: 2,
      failures: 1,
      unreachable: 0,
      skipped: 1,
      rescued: 0,
      ignored: 1,
    });
    expect(error.result.exitCode).toBe(2);
  });

  it('hands vars over in a file, never on the command line, and removes it afterwards', () => {
    expect(error.result.tasks[0]?.data.msg).toBe('hello from-extra-vars');
    expect(error.result.command.join(' ')).not.toContain('from-extra-vars');
    expect(error.result.command).toContain('--extra-vars');
    expect(leftovers(test.runs)).toEqual([]);
  });

  it('gives the secret to the playbook but keeps it out of results, errors and logs', () => {
    expect(error.result.tasks[4]?.data.msg).toBe('token=[REDACTED]');
    expect(JSON.stringify(error.result)).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET);
    const logs = logLines.join('');
    expect(logs).toContain('ansible-playbook finished');
    expect(logs).not.toContain(SECRET);
  });
});

describe('runs that never produce a result', () => {
  it('reports a host it cannot reach as transient AnsibleHostUnreachable, using the spec inventory', async () => {
    const request = fixture('ping.yml', { inventory: 'inventories/unreachable.ini' });
    const error = await rejection(test.runner.check(request));
    expect(error).toBeInstanceOf(AnsiblePlaybookFailed);
    expect(error.reason).toBe('AnsibleHostUnreachable');
    expect(error.next).toBe('transient');
    expect(error.message).toContain("could not reach ghost at task 'Ping'");
    expect((error as AnsiblePlaybookFailed).result.failures[0]?.status).toBe('unreachable');
  });

  it('refuses a playbook Ansible cannot parse, in --syntax-check and in a run, as stalled AnsiblePlaybookInvalid', async () => {
    const [syntax, run] = await Promise.all([
      rejection(test.runner.syntaxCheck(fixture('broken.yml'))),
      rejection(test.runner.check(fixture('broken.yml'))),
    ]);
    for (const error of [syntax, run]) {
      expect(error).toBeInstanceOf(AnsibleCommandError);
      expect(error.reason).toBe('AnsiblePlaybookInvalid');
      expect(error.next).toBe('stalled');
      expect(error.message).toContain('no.such.module_anywhere');
      expect((error as AnsibleCommandError).exitCode).toBe(4);
      expect((error as AnsibleCommandError).command[0]).toBe('ansible-playbook');
    }
  });

  it('ends a run past its time limit as transient AnsibleTimedOut', async () => {
    const started = Date.now();
    const error = await rejection(
      test.runner.apply(fixture('sleep.yml', { vars: { sleep_marker: '41.5' }, timeoutMs: 1500 })),
    );
    expect(error.reason).toBe('AnsibleTimedOut');
    expect(error.next).toBe('transient');
    expect((error as AnsibleCommandError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(leftovers(test.runs)).toEqual([]);
  });

  it('on cancellation kills the whole process group, down to the command a task started', async () => {
    const marker = '42.25';
    const controller = new AbortController();
    const run = rejection(
      test.runner.apply(fixture('sleep.yml', { vars: { sleep_marker: marker }, signal: controller.signal })),
    );
    expect(await waitFor(() => sleepRunning(marker), 15_000)).toBe(true);
    const abortedAt = Date.now();
    controller.abort();
    const error: CodemonkeysError = await run;
    // Ansible's main process alone waits for its workers: only a group kill ends the run this soon.
    expect(Date.now() - abortedAt).toBeLessThan(10_000);
    expect(error.reason).toBe('AnsibleCancelled');
    expect(error.next).toBe('transient');
    expect(await waitFor(() => !sleepRunning(marker), 5_000)).toBe(true);
  });

  it('does not take a run that died after its recap for a success, even with no failed task', async () => {
    const executable = join(FIXTURES, 'crash-after-recap.sh');
    const { runner } = testRunner(join(temp.dir, 'crash'), { executable });
    const error = await rejection(runner.apply(fixture('ping.yml')));
    expect(error).toBeInstanceOf(AnsibleCommandError);
    expect(error.reason).toBe('AnsibleFailed');
    expect(error.message).toContain('(exit code 250): ERROR! Unexpected Exception');
  });

  it('says how to install ansible-playbook when it is missing', async () => {
    const { runner } = testRunner(join(temp.dir, 'no-ansible'), { env: { PATH: join(temp.dir, 'empty') } });
    const error = await rejection(runner.check(fixture('ping.yml')));
    expect(error.reason).toBe('AnsibleMissing');
    expect(error.next).toBe('stalled');
    expect(error.message).toContain('apt-get install ansible-core');
  });

  it('names every place it looked for a playbook that does not exist', async () => {
    const error = await rejection(test.runner.check(fixture('nowhere.yml')));
    expect(error.reason).toBe('PlaybookNotFound');
    expect(error.message).toContain(join(FIXTURES, 'nowhere.yml'));
    expect(error.message).toContain(join('playbooks', 'nowhere.yml'));
  });
});

describe('vault', () => {
  it('opens vault-encrypted vars with the password from a file, and never shows the password', async () => {
    const password = 'fixture-vault-password';
    const result = await test.runner.check(fixture('vaulted.yml', { vaultPassword: password }));
    expect(result.tasks[0]?.data.msg).toBe('opened with the vault password');
    expect(result.command).toContain('--vault-password-file');
    expect(JSON.stringify(result)).not.toContain(password);
    expect(logLines.join('')).not.toContain(password);
    expect(leftovers(test.runs)).toEqual([]);
  });
});

/** True while a `sleep <marker>` process runs on this machine. */
function sleepRunning(marker: string): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('sleep') && argv[1] === marker) return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}
