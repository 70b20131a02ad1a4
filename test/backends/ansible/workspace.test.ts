import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, removeAbandonedWorkspaces } from '../../../src/backends/ansible/workspace.js';
import { tempDir } from '../../helpers/git.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The pid of a process that ran and is gone. */
async function deadPid(): Promise<number> {
  const child = execa('true');
  const pid = child.pid as number;
  await child;
  return pid;
}

describe('ansible run directories', () => {
  it('are private, named after the process, and removed after the run', async () => {
    const { dir: parent, cleanup } = tempDir('cm-ansible-ws-');
    cleanups.push(cleanup);
    const workspace = await createWorkspace({
      vars: { a: 1 },
      localhost: true,
      vaultPassword: 'v',
      parentDir: parent,
    });
    expect(dirname(workspace.dir)).toBe(parent);
    expect(basename(workspace.dir)).toMatch(new RegExp(`^codemonkeys-ansible-${process.pid}-`));
    expect(statSync(workspace.dir).mode & 0o777).toBe(0o700);
    expect(statSync(workspace.vaultPasswordPath as string).mode & 0o777).toBe(0o600);
    await workspace.remove();
    expect(existsSync(workspace.dir)).toBe(false);
  });

  it("left by a process killed mid-run are removed by the next one; a live process's are kept", async () => {
    const { dir: parent, cleanup } = tempDir('cm-ansible-ws-');
    cleanups.push(cleanup);
    const dead = await deadPid();
    const names = [
      `codemonkeys-ansible-${dead}-a1b2c3`,
      `codemonkeys-ansible-${process.pid}-d4e5f6`,
      'codemonkeys-ansible-1-g7h8i9',
      'codemonkeys-ansible-old',
      'unrelated',
    ];
    for (const name of names) mkdirSync(join(parent, name, 'local'), { recursive: true });
    expect(await removeAbandonedWorkspaces(parent)).toEqual([`codemonkeys-ansible-${dead}-a1b2c3`]);
    expect(readdirSync(parent).sort()).toEqual(names.slice(1).sort());
  });
});
