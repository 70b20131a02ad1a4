import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFleetRepo, type FleetRepo } from './fleet-repo.js';
import { git } from './git.js';

/**
 * A playbook whose real runs are counted outside the reconciler: each appends the version to
 * `counter` and then pauses (a window to kill the reconciler in); check mode counts nothing. It
 * reports `deployed_version` from a marker file and writes the marker last, so it converges.
 */
export const COUNTING_PLAYBOOK = `- name: Deploy with a counted effect
  hosts: all
  gather_facts: false
  tasks:
    - name: Read the deployed version
      ansible.builtin.slurp:
        src: "{{ docroot }}/version"
      register: deployed
      failed_when: false
    - name: Report the deployed and the wanted version
      ansible.builtin.set_stats:
        data:
          deployed_version: "{{ (deployed.content | b64decode | trim) if deployed.content is defined else '' }}"
          wanted_version: "{{ codemonkeys.version }}"
        per_host: true
        aggregate: false
    - name: Count a real run
      ansible.builtin.shell: "echo {{ codemonkeys.version }} >> {{ counter }}; sleep {{ pause }}"
      when: not ansible_check_mode
      changed_when: false
    - name: Record the version
      ansible.builtin.copy:
        content: "{{ codemonkeys.version }}\\n"
        dest: "{{ docroot }}/version"
        mode: "0644"
`;

/** A module whose every new round is one replacement, counted by a create-time provisioner. */
export const COUNTING_MODULE = `variable "round" {
  type = string
}
variable "counter" {
  type = string
}
variable "pause" {
  type = string
}
resource "terraform_data" "round" {
  triggers_replace = var.round
  provisioner "local-exec" {
    command = "echo \${var.round} >> \${var.counter}; sleep \${var.pause}"
  }
}
`;

export interface EffectsFleet extends FleetRepo {
  /** Where the effects are counted, one file per kind: `builds`, `deploys`, `infra`. */
  effects: string;
  /** The lines of an effects file (empty when nothing happened). */
  count(kind: 'builds' | 'deploys' | 'infra'): string[];
  /** Tags the product's head `v<version>` and pushes the tag: a release to deploy. */
  release(version: string): Promise<void>;
  /** Sets the infra round (a fleet commit): one replacement to apply. */
  round(value: string): Promise<void>;
}

/**
 * A fleet of one product, acme/app, whose build, deploy and infra each leave an effect counted
 * in a file outside the reconciler (see COUNTING_PLAYBOOK, COUNTING_MODULE); `facets` picks which
 * of them it has. Every effect is meant to happen exactly once per change.
 */
export async function createEffectsFleet(
  facets: { build?: boolean; deploy?: boolean; infra?: boolean },
  pauseSeconds = 1,
): Promise<EffectsFleet> {
  const repo = await createFleetRepo([{ org: 'acme', name: 'app' }]);
  const effects = join(repo.root, 'effects');
  mkdirSync(effects, { recursive: true });
  mkdirSync(join(repo.root, 'www'), { recursive: true });
  mkdirSync(join(repo.fleetDir, 'playbooks'), { recursive: true });
  writeFileSync(join(repo.fleetDir, 'playbooks', 'count.yml'), COUNTING_PLAYBOOK);
  mkdirSync(join(repo.fleetDir, 'modules', 'count'), { recursive: true });
  writeFileSync(join(repo.fleetDir, 'modules', 'count', 'main.tf'), COUNTING_MODULE);
  const spec = (round: string) =>
    [
      'apiVersion: codemonkeys.dev/v1',
      'kind: Product',
      'metadata: { name: app, org: acme }',
      'spec:',
      '  repo: { url: ../repos/acme/app.git }',
      ...(facets.build
        ? [
            `  build: { steps: ["git rev-parse HEAD >> ${effects}/builds", "sleep ${pauseSeconds}"], timeout: 1m }`,
          ]
        : []),
      ...(facets.deploy
        ? [
            '  deploy:',
            '    playbook: playbooks/count.yml',
            `    vars: { docroot: ${repo.root}/www, counter: ${effects}/deploys, pause: ${pauseSeconds} }`,
            '    environments:',
            '      staging: { version: latest }',
          ]
        : []),
      ...(facets.infra
        ? [
            '  infra:',
            '    module: modules/count',
            `    vars: { round: "${round}", counter: ${effects}/infra, pause: "${pauseSeconds}" }`,
            '    drift: auto',
          ]
        : []),
      '',
    ].join('\n');
  const productFile = join(repo.fleetDir, 'products', 'acme', 'app.yaml');
  writeFileSync(productFile, spec('0'));
  await repo.commitFleet('acme/app with counted effects');
  const work = join(repo.root, 'work', 'acme', 'app');
  return {
    ...repo,
    effects,
    count(kind) {
      const file = join(effects, kind);
      return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
    },
    async release(version) {
      await git(work, 'tag', `v${version}`);
      await git(work, 'push', '-q', 'origin', `v${version}`);
    },
    async round(value) {
      writeFileSync(productFile, spec(value));
      await repo.commitFleet(`infra round ${value}`);
    },
  };
}
