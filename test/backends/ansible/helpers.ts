export { rejection } from '../../helpers/rejection.js';

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnsibleRunner,
  type AnsibleRunnerOptions,
  createAnsibleRunner,
} from '../../../src/backends/ansible/index.js';

/** A temporary directory removed by the returned function. */
export function tempDir(prefix = 'cm-ansible-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A runner for tests, with the folders it uses. */
export interface TestRunner {
  runner: AnsibleRunner;
  /** Where the runner creates its run directories: empty again after every run. */
  runs: string;
  /** ansible-playbook's HOME. */
  home: string;
  env: Record<string, string>;
}

/**
 * A runner whose ansible-playbook sees a temporary HOME (nothing of the developer's ~/.ansible,
 * ~/.ssh or ~/.npm is read or written) and whose run directories go under `root/runs`.
 */
export function testRunner(root: string, options: AnsibleRunnerOptions = {}): TestRunner {
  const home = join(root, 'home');
  const runs = join(root, 'runs');
  mkdirSync(home, { recursive: true });
  mkdirSync(runs, { recursive: true });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  return { runner: createAnsibleRunner({ env, tempDir: runs, ...options }), runs, home, env };
}

/** The run directories left behind under `runs` (there should be none). */
export function leftovers(runs: string): string[] {
  return readdirSync(runs);
}
