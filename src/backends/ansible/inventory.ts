import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { CodemonkeysError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../paths.js';

/** The playbook library that ships with codemonkeys. */
export const LIBRARY_DIR = join(PACKAGE_ROOT, 'playbooks');

/** Where the JSON stdout callback lives: next to the library, so a hand-run library playbook finds it too. */
export const CALLBACK_DIR = join(LIBRARY_DIR, 'callback_plugins');

/** The stdout callback the runner selects (playbooks/callback_plugins/codemonkeys_json.py). */
export const CALLBACK_NAME = 'codemonkeys_json';

/**
 * Finds a playbook as a product names it in `spec.deploy.playbook`: an absolute path, a path
 * relative to `baseDir` (the product's work tree or the fleet root), or else the bare file name
 * of a library playbook (`deploy-static-site.yml`). Throws stalled `PlaybookNotFound` naming
 * every place it looked.
 */
export function resolvePlaybook(playbook: string, baseDir: string, libraryDir = LIBRARY_DIR): string {
  if (isAbsolute(playbook)) {
    if (existsSync(playbook)) return playbook;
    throw notFound('playbook', playbook, [playbook]);
  }
  const local = resolve(baseDir, playbook);
  if (existsSync(local)) return local;
  const tried = [local];
  if (basename(playbook) === playbook) {
    const library = join(libraryDir, playbook);
    if (existsSync(library)) return library;
    tried.push(library);
  }
  throw notFound('playbook', playbook, tried);
}

/** An inventory file or directory named in the spec, relative to `baseDir`; stalled `InventoryNotFound` when absent. */
export function resolveInventory(inventory: string, baseDir: string): string {
  const path = isAbsolute(inventory) ? inventory : resolve(baseDir, inventory);
  if (existsSync(path)) return path;
  throw notFound('inventory', inventory, [path]);
}

/**
 * The inventory used when the spec names none: this machine, over the local connection, with
 * the Python that runs Ansible itself (so no interpreter discovery and no warning about it), and
 * module files kept under the run's own temporary directory rather than in ~/.ansible.
 * Written as JSON, which Ansible's YAML inventory plugin reads.
 */
export function localhostInventory(remoteTmp: string): string {
  const localhost = {
    ansible_connection: 'local',
    ansible_python_interpreter: '{{ ansible_playbook_python }}',
    ansible_remote_tmp: remoteTmp,
  };
  return `${JSON.stringify({ all: { hosts: { localhost } } }, null, 2)}\n`;
}

function notFound(what: 'playbook' | 'inventory', name: string, tried: string[]): CodemonkeysError {
  const reason = what === 'playbook' ? 'PlaybookNotFound' : 'InventoryNotFound';
  return new CodemonkeysError(`${what} '${name}' not found (looked at ${tried.join(', ')})`, {
    reason,
    next: 'stalled',
  });
}
