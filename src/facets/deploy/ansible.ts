import { type AnsibleRunner, createAnsibleRunner } from '../../backends/ansible/index.js';
import type { Service } from '../services.js';

/** Runs playbooks: `--check --diff` to observe an environment, a real run to deploy it. */
export const ansibleService: Service<AnsibleRunner> = {
  name: 'ansible',
  open: (context) => createAnsibleRunner({ env: context.env, logger: context.logger }),
};
