import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processRuns } from '../../util/processes.js';
import { CALLBACK_DIR, CALLBACK_NAME, localhostInventory } from './inventory.js';

/** Run directories are named after the process that made them: `codemonkeys-ansible-<pid>-XXXXXX`. */
const PREFIX = 'codemonkeys-ansible-';

/**
 * One run's private directory (mode 0700, removed afterwards even when the run fails): the
 * generated ansible.cfg, the generated inventory, the extra vars and the vault password (both
 * 0600), and Ansible's local, remote and ssh control temporary folders.
 */
export interface RunWorkspace {
  dir: string;
  /** Given to ansible-playbook as ANSIBLE_CONFIG, so neither ./ansible.cfg nor ~/.ansible.cfg is read. */
  configPath: string;
  /** The generated localhost inventory; undefined when the spec names one. */
  inventoryPath: string | undefined;
  /** `--extra-vars @<path>`: vars never appear on the command line. */
  extraVarsPath: string;
  /** `--vault-password-file <path>`, when a vault password was given. */
  vaultPasswordPath: string | undefined;
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): Promise<void>;
}

export interface WorkspaceContents {
  vars: Record<string, unknown>;
  /** Generate a localhost inventory (no inventory in the spec). */
  localhost: boolean;
  vaultPassword?: string;
  /** Parent of the run directory; default the system temporary folder. */
  parentDir?: string;
}

/**
 * Creates a run's directory and writes everything the command line will point at. The first
 * time a process does so in a folder, it removes the run directories of processes that died
 * (killed mid-run: they hold extra vars and maybe a vault password).
 */
export async function createWorkspace(contents: WorkspaceContents): Promise<RunWorkspace> {
  const parent = contents.parentDir ?? tmpdir();
  if (!swept.has(parent)) {
    swept.add(parent);
    await removeAbandonedWorkspaces(parent);
  }
  const dir = await mkdtemp(join(parent, `${PREFIX}${process.pid}-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    for (const sub of ['local', 'remote', 'cp']) await mkdir(join(dir, sub), { mode: 0o700 });
    const configPath = join(dir, 'ansible.cfg');
    await writeFile(configPath, ansibleConfig(dir), { mode: 0o600 });
    const extraVarsPath = join(dir, 'extra-vars.json');
    await writeFile(extraVarsPath, JSON.stringify(contents.vars), { mode: 0o600 });
    let inventoryPath: string | undefined;
    if (contents.localhost) {
      inventoryPath = join(dir, 'inventory.json');
      await writeFile(inventoryPath, localhostInventory(join(dir, 'remote')), { mode: 0o600 });
    }
    let vaultPasswordPath: string | undefined;
    if (contents.vaultPassword !== undefined) {
      // Not executable: Ansible would run an executable password file as a script.
      vaultPasswordPath = join(dir, 'vault-password');
      await writeFile(vaultPasswordPath, contents.vaultPassword, { mode: 0o600 });
    }
    return { dir, configPath, inventoryPath, extraVarsPath, vaultPasswordPath, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Folders this process has already swept of dead processes' run directories. */
const swept = new Set<string>();

/** Removes run directories whose process is gone; judged by whether it runs, never by age. */
export async function removeAbandonedWorkspaces(parent: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
    if (owner === undefined || Number(owner) === process.pid || processRuns(Number(owner))) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * The whole configuration of a run, so that nothing comes from the user's own files: the JSON
 * stdout callback, no retry files, no colour, temporary files inside the run directory, and
 * interpreter discovery without warnings. Host keys: an unknown host is trusted on first use
 * (`accept-new`, where host_key_checking=False would also accept a changed key), since nobody is
 * there to answer ssh's question and a prompt would only hang until the timeout.
 */
export function ansibleConfig(dir: string): string {
  // Ansible reads the file with interpolation, so a '%' in a path must be doubled.
  const path = (sub: string) => join(dir, sub).replaceAll('%', '%%');
  return [
    '[defaults]',
    `stdout_callback = ${CALLBACK_NAME}`,
    `callback_plugins = ${CALLBACK_DIR.replaceAll('%', '%%')}`,
    'callbacks_enabled =',
    'retry_files_enabled = False',
    'nocolor = True',
    `local_tmp = ${path('local')}`,
    'interpreter_python = auto_silent',
    '',
    '[connection]',
    'pipelining = True',
    '',
    '[ssh_connection]',
    'ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s -o StrictHostKeyChecking=accept-new',
    `control_path_dir = ${path('cp')}`,
    '',
  ].join('\n');
}
