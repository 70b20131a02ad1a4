import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALLBACK_DIR, CALLBACK_NAME, localhostInventory } from './inventory.js';

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

/** Creates a run's directory and writes everything the command line will point at. */
export async function createWorkspace(contents: WorkspaceContents): Promise<RunWorkspace> {
  const dir = await mkdtemp(join(contents.parentDir ?? tmpdir(), 'codemonkeys-ansible-'));
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
