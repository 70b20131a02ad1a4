/** What `codemonkeys init` writes; `{{schema}}` is the relative path to the schema folder, `{{org}}`/`{{product}}` names. */

export const FLEET_TEMPLATE = `# yaml-language-server: $schema={{schema}}/fleet.schema.json
# The fleet: who owns products, where builds run, how often the reconciler looks.
apiVersion: codemonkeys.dev/v1
kind: Fleet
metadata:
  name: {{fleet}}
spec:
  orgs:
    - name: {{org}}
      approvers: [{{approver}}]          # who may approve gated actions
      # credentials:                     # secrets are references, never values
      #   npmToken: { env: NPM_TOKEN }
  ci:
    default: local                       # local | jenkins
  reconcile:
    interval: 5m
    concurrency: 4
  state:
    sqlite: .codemonkeys/state.db
`;

export const CONSTITUTION_TEMPLATE = `# yaml-language-server: $schema={{schema}}/constitution.schema.json
# The constitution gates every action the reconciler plans. When several rules match one action,
# the strictest wins: deny > require-approval > warn > allow. Every verdict names its rule ids.
apiVersion: codemonkeys.dev/v1
kind: Constitution
metadata:
  name: {{fleet}}-rules
spec:
  defaultEffect: allow                   # the verdict when no rule matches: allow | deny
  rules:
    # No production deploys at weekends. hard: nothing but an exception overrides it.
    - id: no-weekend-prod-deploys
      match: { actions: ["deploy.apply"], environments: [prod] }
      when: { schedule: { days: [sat, sun], timezone: UTC } }
      effect: deny
      enforcement: hard
      message: Production is frozen at weekends.
    # Never release what is not green.
    - id: release-needs-green-build
      match: { actions: ["release.*"] }
      when: { observed: { build: { not: green } } }
      effect: deny
    # Destroying infrastructure needs a person's approval.
    - id: destroy-needs-approval
      match: { actions: ["infra.apply"] }
      when: { changes: { destroy: { gt: 0 } } }
      effect: require-approval
      approvers: [{{approver}}]
    # Self-healing keeps its hands off migrations and the pipeline definition.
    - id: heal-keeps-out
      match: { actions: ["heal.*"] }
      when: { paths: ["**/migrations/**", "Jenkinsfile"] }
      effect: deny
  # exceptions:                          # expire on their own; an expired one no longer applies
  #   - rule: no-weekend-prod-deploys
  #     products: [{{org}}/{{product}}]
  #     reason: incident 4711
  #     owner: {{approver}}
  #     expires: 2030-01-01T00:00:00Z
`;

export const PRODUCT_TEMPLATE = `# yaml-language-server: $schema={{schema}}/product.schema.json
# One product of the fleet. Every facet block (build, docs, release, deploy, infra, announce) is optional.
apiVersion: codemonkeys.dev/v1
kind: Product
metadata:
  name: {{product}}                      # lowercase letters, digits, '-'; the id is {{org}}/{{product}}
  org: {{org}}
  labels: { tier: standard }
spec:
  repo:
    url: {{repoUrl}}                     # a git URL, or a path relative to this fleet repo
    branch: main
  build:
    steps: ["npm ci", "npm test"]        # shell commands, run in a clean worktree of the branch head
    timeout: 15m
  # heal: { enabled: true, maxAttempts: 3 }
  # docs: { engine: mkdocs, config: mkdocs.yml }
  # release:                           # the next version from conventional commits: feat minor, fix patch, feat! major
  #   tagFormat: "v{version}"
  #   initialVersion: 0.1.0
  #   registries:
  #     - { type: npm, url: https://registry.npmjs.org/, token: { env: NPM_TOKEN } }
`;

export const GITIGNORE_TEMPLATE = `# The reconciler's local state (SQLite, worktrees, logs) never belongs in the fleet repo.
.codemonkeys/
`;

export const README_TEMPLATE = `# {{fleet}}

The fleet repo of [Code Monkeys Ship](https://www.npmjs.com/package/codemonkeys): one constitution,
one spec per product. Change it in a pull request; the reconciler does the rest.

- \`fleet.yaml\`: orgs, CI, reconcile settings
- \`constitution.yaml\`: the rules every action passes
- \`products/<org>/<name>.yaml\`: one file per product
- \`schemas/\`: JSON Schemas for editors (each YAML file names its schema on its first line)

Check it: \`codemonkeys validate\`. See what would happen: \`codemonkeys plan\`.
`;

/** Fills `{{name}}` placeholders. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
}
