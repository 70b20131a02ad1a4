/**
 * The Ansible backend: runs playbooks with `ansible-playbook` for the deploy facet (observer:
 * `--check --diff`; actuator: a real run) and for publishing releases with the playbook library.
 */
export type { HostStats, TaskResult, TaskStatus } from './callback.js';
export { parseCallbackOutput } from './callback.js';
export { AnsibleCommandError, AnsiblePlaybookFailed } from './errors.js';
export { LIBRARY_DIR, resolveInventory, resolvePlaybook } from './inventory.js';
export type {
  AnsibleRunner,
  AnsibleRunnerOptions,
  DeployedVersion,
  PlaybookRequest,
  PlaybookResult,
} from './runner.js';
export { ANSIBLE_TIMEOUT_MS, createAnsibleRunner, deployedVersions } from './runner.js';
