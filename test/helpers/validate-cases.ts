import { baseFileWith } from './fleet-fixtures.js';

/** The mistakes validation reports, each with the place it points at (test/fleet/validate.test.ts). */
export const NOW = new Date('2026-11-26T12:00:00Z');
export const WIDGET = 'products/acme/widget.yaml';
export const PRODUCT = (name: string, org: string, extra = '') =>
  `apiVersion: codemonkeys.dev/v1\nkind: Product\nmetadata:\n  name: ${name}\n  org: ${org}\nspec:\n  repo: { url: ../repos/${name}.git }\n${extra}`;

/** The base fleet.yaml with `spec.ci.jenkins.credentials` holding `entries` (its first one on line 19). */
export const FLEET_WITH_JENKINS_CREDENTIALS = (entries: string): string =>
  baseFileWith(
    'fleet.yaml',
    '      token: { env: JENKINS_TOKEN }\n',
    `      token: { env: JENKINS_TOKEN }\n      credentials:\n${entries}`,
  );

/** globex/portal (built on jenkins) cloned with org globex's credential `gitToken`. */
export const PRIVATE_PORTAL = baseFileWith(
  'products/globex/portal.yaml',
  'repo: { url: ../repos/portal.git }',
  'repo: { url: ../repos/portal.git, credentials: gitToken }',
);

/** The base fleet.yaml with org globex's credential `gitToken`, and no Jenkins credentials. */
export const FLEET_WITH_GLOBEX_GIT_TOKEN = baseFileWith(
  'fleet.yaml',
  '    - name: globex\n',
  '    - name: globex\n      credentials:\n        gitToken: { env: GLOBEX_GIT_TOKEN }\n',
);

export interface Expected {
  file: string;
  line: number;
  column?: number;
  code: string;
  message: RegExp;
  pointer?: string;
  severity?: 'error' | 'warning';
}

export interface Case {
  name: string;
  overlay: Record<string, string | null>;
  expected: Expected[];
}

export const cases: Case[] = [
  {
    name: 'an unknown field is an error at the key, with a suggestion',
    overlay: { [WIDGET]: baseFileWith(WIDGET, '    timeout: 15m', '    timeout: 15m\n    stepz: []') },
    expected: [
      {
        file: WIDGET,
        line: 13,
        column: 5,
        code: 'unknown-field',
        pointer: '/spec/build/stepz',
        message:
          /unknown field 'stepz' \(did you mean 'steps'\?\); expected one of ci, steps, timeout, env, artifacts/,
      },
    ],
  },
  {
    name: 'a value of the wrong type says what was expected and found',
    overlay: { 'fleet.yaml': baseFileWith('fleet.yaml', 'concurrency: 4', 'concurrency: four') },
    expected: [
      {
        file: 'fleet.yaml',
        line: 20,
        column: 18,
        code: 'wrong-type',
        message: /expected an integer at \/spec\/reconcile\/concurrency, found 'four'/,
      },
    ],
  },
  {
    name: 'a missing required field names the field and its parent',
    overlay: {
      'products/acme/core-lib.yaml': PRODUCT('core-lib', 'acme').replace(
        '  repo: { url: ../repos/core-lib.git }\n',
        '  suspend: true\n',
      ),
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 7,
        code: 'missing-field',
        message: /missing required field 'repo' at \/spec/,
      },
    ],
  },
  {
    name: 'a duplicate product id points at both places',
    overlay: { 'products/acme/widget-copy.yaml': PRODUCT('widget', 'acme') },
    expected: [
      {
        file: WIDGET,
        line: 4,
        column: 9,
        code: 'duplicate-product',
        message: /duplicate product id acme\/widget: also declared at products\/acme\/widget-copy.yaml:4/,
      },
    ],
  },
  {
    name: 'a dependsOn target that does not exist is an error at the entry',
    overlay: {
      [WIDGET]: baseFileWith(
        WIDGET,
        'dependsOn: [acme/core-lib]',
        'dependsOn: [acme/core-lib, acme/cor-lib2]',
      ),
    },
    expected: [
      {
        file: WIDGET,
        line: 9,
        column: 30,
        code: 'unknown-dependency',
        pointer: '/spec/dependsOn/1',
        message: /acme\/widget depends on acme\/cor-lib2, which is not a product of this fleet/,
      },
    ],
  },
  {
    name: 'a dependency cycle is named in full',
    overlay: {
      'products/acme/core-lib.yaml': PRODUCT('core-lib', 'acme', '  dependsOn: [globex/portal]\n'),
      'products/globex/portal.yaml': PRODUCT('portal', 'globex', '  dependsOn: [acme/widget]\n'),
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 8,
        code: 'dependency-cycle',
        message: /dependency cycle: acme\/core-lib → globex\/portal → acme\/widget → acme\/core-lib/,
      },
    ],
  },
  {
    name: 'a product of an undeclared org is an error with the declared orgs',
    overlay: { 'products/globex/portal.yaml': PRODUCT('portal', 'globx') },
    expected: [
      {
        file: 'products/globex/portal.yaml',
        line: 5,
        column: 8,
        code: 'undeclared-org',
        message:
          /org 'globx' is not declared in fleet.yaml \(did you mean 'globex'\?\); declared orgs: acme, globex/,
      },
    ],
  },
  {
    name: 'a literal secret is refused without echoing its value',
    overlay: {
      'fleet.yaml': baseFileWith('fleet.yaml', 'token: { env: JENKINS_TOKEN }', 'token: hunter2-secret'),
    },
    expected: [
      {
        file: 'fleet.yaml',
        line: 17,
        column: 14,
        code: 'literal-secret',
        message:
          /secrets are never written in a manifest at \/spec\/ci\/jenkins\/token: expected a reference/,
      },
    ],
  },
  {
    name: 'a secret-named variable with a literal value is refused',
    overlay: {
      'products/globex/portal.yaml': baseFileWith(
        'products/globex/portal.yaml',
        'site_name: portal',
        'site_name: portal, db_password: swordfish',
      ),
    },
    expected: [
      {
        file: 'products/globex/portal.yaml',
        line: 13,
        code: 'literal-secret',
        pointer: '/spec/infra/vars/db_password',
        message: /'db_password' looks like a secret/,
      },
    ],
  },
  {
    name: 'bad YAML is located at the offending token',
    overlay: {
      'constitution.yaml':
        'apiVersion: codemonkeys.dev/v1\nkind: Constitution\nmetadata:\n  name: x\nspec:\n  rules: [\n',
    },
    expected: [{ file: 'constitution.yaml', line: 7, code: 'yaml-syntax', message: /invalid YAML/ }],
  },
  {
    name: 'a duplicate key is a YAML error',
    overlay: {
      'products/acme/core-lib.yaml': `${PRODUCT('core-lib', 'acme')}  suspend: true\n  suspend: false\n`,
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 9,
        code: 'duplicate-key',
        message: /duplicate key 'suspend': it is first given at line 8, column 3/,
      },
    ],
  },
  {
    name: 'a resync schedule that is not a cron expression is refused at its line',
    overlay: {
      'fleet.yaml': baseFileWith(
        'fleet.yaml',
        '    concurrency: 4\n',
        '    concurrency: 4\n  watch:\n    resync: "0 */6 * * * * * *"\n',
      ),
    },
    expected: [
      {
        file: 'fleet.yaml',
        line: 22,
        code: 'bad-cron',
        message: /^spec\.watch\.resync is not a cron expression/,
      },
    ],
  },
  {
    name: 'a repo URL through a transport helper other than ext is refused too',
    overlay: {
      'products/acme/core-lib.yaml': PRODUCT('core-lib', 'acme').replace('../repos/core-lib.git', '"fd::3"'),
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 7,
        code: 'unsafe-repo-url',
        message: /spec\.repo\.url uses git's transport helper 'fd::', which can run a command/,
      },
    ],
  },
  {
    name: 'a repo URL with a protocol git is not allowed is refused',
    overlay: {
      'products/acme/core-lib.yaml': PRODUCT('core-lib', 'acme').replace(
        '../repos/core-lib.git',
        'gopher://x/y',
      ),
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 7,
        code: 'unsafe-repo-url',
        message: /uses the protocol 'gopher:\/\/', which git is not allowed here/,
      },
    ],
  },
  {
    name: 'a branch, a tag format and a path that git would read as options are refused, each at its line',
    overlay: {
      'products/acme/core-lib.yaml': `${PRODUCT('core-lib', 'acme').replace('url: ../repos/core-lib.git', 'url: ../repos/core-lib.git, branch: --upload-pack=touch')}  release: { tagFormat: "-c{version}" }\n  deploy:\n    playbook: --help\n    environments:\n      prod: { version: latest, inventory: "-i" }\n`,
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 7,
        code: 'option-like-value',
        message: /^spec\.repo\.branch starts with '-'/,
      },
      {
        file: 'products/acme/core-lib.yaml',
        line: 8,
        code: 'option-like-value',
        message: /^spec\.release\.tagFormat/,
      },
      {
        file: 'products/acme/core-lib.yaml',
        line: 10,
        code: 'option-like-value',
        message: /^spec\.deploy\.playbook .* a path/,
      },
      {
        file: 'products/acme/core-lib.yaml',
        line: 12,
        code: 'option-like-value',
        message: /environments\.prod\.inventory/,
      },
    ],
  },
  {
    name: 'every duplicated key is reported, each where it repeats',
    overlay: {
      'products/acme/core-lib.yaml': `${PRODUCT('core-lib', 'acme')}  suspend: true\n  suspend: false\n  prune: true\n  suspend: true\n  prune: false\nmetadata: { name: again }\n`,
    },
    expected: [
      { file: 'products/acme/core-lib.yaml', line: 9, code: 'duplicate-key', message: /'suspend'.*line 8/ },
      { file: 'products/acme/core-lib.yaml', line: 11, code: 'duplicate-key', message: /'suspend'.*line 8/ },
      { file: 'products/acme/core-lib.yaml', line: 12, code: 'duplicate-key', message: /'prune'.*line 10/ },
      { file: 'products/acme/core-lib.yaml', line: 13, code: 'duplicate-key', message: /'metadata'/ },
    ],
  },
  {
    name: 'a second Fleet is an error pointing at the first',
    overlay: {
      'products/acme/other-fleet.yaml':
        'apiVersion: codemonkeys.dev/v1\nkind: Fleet\nmetadata:\n  name: other\nspec:\n  orgs: [{ name: acme }]\n',
    },
    expected: [
      {
        file: 'products/acme/other-fleet.yaml',
        line: 2,
        column: 7,
        code: 'duplicate-fleet',
        message: /exactly one Fleet; this is a second one \(the first is at fleet.yaml:2\)/,
      },
    ],
  },
  {
    name: 'an alias bomb is refused before it expands',
    overlay: {
      'products/acme/core-lib.yaml': `${PRODUCT('core-lib', 'acme')}  build:\n    steps: &a ["x","x","x","x","x","x","x","x","x","x"]\n    env:\n      B: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n      C: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n      D: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`,
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 11,
        code: 'alias-bomb',
        message: /refused as an alias bomb/,
      },
    ],
  },
  {
    name: 'a list or a tagged value used as a key is refused',
    overlay: { 'products/acme/core-lib.yaml': `${PRODUCT('core-lib', 'acme')}  ? [a, b]\n  : 1\n` },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 8,
        column: 5,
        code: 'complex-key',
        message: /mapping keys are plain words/,
      },
    ],
  },
  {
    name: 'a missing constitution is reported where it belongs',
    overlay: { 'constitution.yaml': null },
    expected: [
      {
        file: 'constitution.yaml',
        line: 1,
        code: 'missing-constitution',
        message: /no Constitution: expected constitution.yaml/,
      },
    ],
  },
  {
    name: 'a wrong apiVersion says which one is expected',
    overlay: {
      'products/acme/core-lib.yaml': PRODUCT('core-lib', 'acme').replace(
        'codemonkeys.dev/v1',
        'codemonkeys.dev/v2',
      ),
    },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 1,
        column: 13,
        code: 'not-allowed',
        message: /expected 'codemonkeys.dev\/v1' at \/apiVersion, found 'codemonkeys.dev\/v2'/,
      },
    ],
  },
  {
    name: 'a misspelt enum value gets a suggestion',
    overlay: {
      'products/globex/portal.yaml': baseFileWith(
        'products/globex/portal.yaml',
        'drift: propose',
        'drift: propse',
      ),
    },
    expected: [
      {
        file: 'products/globex/portal.yaml',
        line: 14,
        code: 'not-allowed',
        message: /expected one of auto, propose, alert .*found 'propse' \(did you mean 'propose'\?\)/,
      },
    ],
  },
  {
    name: 'duplicate rule ids and exceptions to unknown rules are errors',
    overlay: {
      'constitution.yaml': baseFileWith(
        'constitution.yaml',
        'id: destroy-needs-approval',
        'id: release-needs-green-build',
      ).replace('rule: no-weekend-prod-deploys', 'rule: no-weekend-prod-deploy'),
    },
    expected: [
      {
        file: 'constitution.yaml',
        line: 18,
        code: 'duplicate-rule',
        message: /rule id 'release-needs-green-build' is used twice; first at constitution.yaml:14/,
      },
      {
        file: 'constitution.yaml',
        line: 24,
        code: 'unknown-rule',
        message: /exception names rule 'no-weekend-prod-deploy'.*did you mean 'no-weekend-prod-deploys'/,
      },
    ],
  },
  {
    name: 'an unknown time zone is an error',
    overlay: {
      'constitution.yaml': baseFileWith(
        'constitution.yaml',
        'timezone: Europe/Berlin',
        'timezone: Europe/Berln',
      ),
    },
    expected: [
      {
        file: 'constitution.yaml',
        line: 10,
        code: 'unknown-timezone',
        message: /unknown time zone 'Europe\/Berln'/,
      },
    ],
  },
  {
    name: 'an expired exception is a warning that it no longer applies',
    overlay: {
      'constitution.yaml': baseFileWith('constitution.yaml', '2099-12-01T00:00:00Z', '2026-11-01T00:00:00Z'),
    },
    expected: [
      {
        file: 'constitution.yaml',
        line: 28,
        severity: 'warning',
        code: 'exception-expired',
        message: /expired at 2026-11-01T00:00:00Z: it no longer applies/,
      },
    ],
  },
  {
    name: 'a jenkins build without jenkins configured is an error',
    overlay: {
      'fleet.yaml': baseFileWith(
        'fleet.yaml',
        '    jenkins:\n      url: http://127.0.0.1:8080\n      user: codemonkeys\n      token: { env: JENKINS_TOKEN }\n',
        '',
      ),
    },
    expected: [
      {
        file: 'products/globex/portal.yaml',
        line: 9,
        code: 'jenkins-not-configured',
        message: /builds run on jenkins, but fleet.yaml has no spec.ci.jenkins/,
      },
    ],
  },
  {
    name: 'a product on jenkins whose repo credential no Jenkins credential stands for is an error at its credential',
    overlay: {
      'fleet.yaml': FLEET_WITH_GLOBEX_GIT_TOKEN,
      'products/globex/portal.yaml': PRIVATE_PORTAL,
    },
    expected: [
      {
        file: 'products/globex/portal.yaml',
        line: 7,
        column: 50,
        pointer: '/spec/repo/credentials',
        code: 'jenkins-credential-unmapped',
        message:
          /^globex\/portal builds on jenkins, and Jenkins checks its repository out with credential 'gitToken': fleet\.yaml maps no Jenkins credential to it \(add 'globex\/gitToken: <Jenkins credential id>' to spec\.ci\.jenkins\.credentials\)$/,
      },
    ],
  },
  {
    name: 'a Jenkins credential mapped for an org that is not declared is an error at its key',
    overlay: { 'fleet.yaml': FLEET_WITH_JENKINS_CREDENTIALS('        globx/npmToken: globex-npm\n') },
    expected: [
      {
        file: 'fleet.yaml',
        line: 19,
        column: 9,
        pointer: '/spec/ci/jenkins/credentials/globx~1npmToken',
        code: 'undeclared-org',
        message:
          /maps 'globx\/npmToken', but org 'globx' is not declared in spec\.orgs \(did you mean 'globex'\?\); declared orgs: acme, globex/,
      },
    ],
  },
  {
    name: 'a Jenkins credential mapped for a credential its org does not declare is an error at its key',
    overlay: { 'fleet.yaml': FLEET_WITH_JENKINS_CREDENTIALS('        acme/npmTokn: acme-npm\n') },
    expected: [
      {
        file: 'fleet.yaml',
        line: 19,
        column: 9,
        pointer: '/spec/ci/jenkins/credentials/acme~1npmTokn',
        code: 'unknown-credential',
        message:
          /maps 'acme\/npmTokn', but 'npmTokn' is not one of org acme's credentials \(did you mean 'npmToken'\?\); it has npmToken/,
      },
    ],
  },
  {
    name: 'a Jenkins credential mapping whose key is not <org>/<credential> is an error at the key',
    overlay: { 'fleet.yaml': FLEET_WITH_JENKINS_CREDENTIALS('        npmToken: acme-npm\n') },
    expected: [
      {
        file: 'fleet.yaml',
        line: 19,
        column: 9,
        pointer: '/spec/ci/jenkins/credentials/npmToken',
        code: 'bad-key',
        message:
          /expected a key <org>\/<credential name>, naming an org credential at \/spec\/ci\/jenkins\/credentials, found the key 'npmToken'/,
      },
    ],
  },
  {
    name: 'a Jenkins credential id that could break out of a Groovy string is an error at the value',
    overlay: { 'fleet.yaml': FLEET_WITH_JENKINS_CREDENTIALS(`        acme/npmToken: "acme', url: 'x"\n`) },
    expected: [
      {
        file: 'fleet.yaml',
        line: 19,
        column: 24,
        pointer: '/spec/ci/jenkins/credentials/acme~1npmToken',
        code: 'bad-format',
        message:
          /expected a Jenkins credential id of letters, digits, '\.', '_' and '-', starting with a letter or digit/,
      },
    ],
  },
  {
    name: 'a file with two documents is refused',
    overlay: { 'products/acme/core-lib.yaml': `${PRODUCT('core-lib', 'acme')}---\nkind: Product\n` },
    expected: [
      {
        file: 'products/acme/core-lib.yaml',
        line: 8,
        code: 'several-documents',
        message: /exactly one YAML document/,
      },
    ],
  },
  {
    name: 'a rule matching no action kind is a warning',
    overlay: {
      'constitution.yaml': baseFileWith(
        'constitution.yaml',
        'actions: ["release.*"]',
        'actions: ["relase.*"]',
      ),
    },
    expected: [
      {
        file: 'constitution.yaml',
        line: 15,
        severity: 'warning',
        code: 'matches-no-action',
        message: /'relase.\*' matches no action kind/,
      },
    ],
  },
  {
    name: 'a PyPI registry without the artifact it publishes is an error at the registry',
    overlay: {
      [WIDGET]: baseFileWith(
        WIDGET,
        '      - { type: npm, url: http://127.0.0.1:4873, token: { env: ACME_NPM_TOKEN } }',
        '      - { type: pypi, url: http://127.0.0.1:8080 }',
      ),
    },
    expected: [
      {
        file: WIDGET,
        line: 17,
        code: 'artifact-missing',
        pointer: '/spec/release/registries/0',
        message: /acme\/widget publishes to pypi what its build leaves: name it with artifact/,
      },
    ],
  },
  {
    name: 'a registry artifact the build does not keep is an error at the artifact',
    overlay: {
      [WIDGET]: baseFileWith(
        WIDGET,
        '      - { type: npm, url: http://127.0.0.1:4873, token: { env: ACME_NPM_TOKEN } }',
        '      - { type: container, url: http://127.0.0.1:5000, artifact: image }',
      ),
    },
    expected: [
      {
        file: WIDGET,
        line: 17,
        code: 'artifact-not-kept',
        pointer: '/spec/release/registries/0/artifact',
        message: /publishes image, which its build does not keep: add it to build.artifacts/,
      },
    ],
  },
  {
    name: 'release options out of shape are errors at their values',
    overlay: {
      [WIDGET]: baseFileWith(
        WIDGET,
        '    tagFormat: "v{version}"',
        '    tagFormat: "v{version}"\n    initialVersion: v1\n    prerelease: rc.1\n    path: ../elsewhere',
      ),
    },
    expected: [
      {
        file: WIDGET,
        line: 16,
        code: 'bad-format',
        pointer: '/spec/release/initialVersion',
        message: /semantic version/,
      },
      {
        file: WIDGET,
        line: 17,
        code: 'bad-format',
        pointer: '/spec/release/prerelease',
        message: /channel name/,
      },
      {
        file: WIDGET,
        line: 18,
        code: 'bad-format',
        pointer: '/spec/release/path',
        message: /relative path inside the repository/,
      },
    ],
  },
  {
    name: 'build.artifacts on a product built on Jenkins is an error: only the local runner keeps them',
    overlay: {
      'products/globex/portal.yaml': baseFileWith(
        'products/globex/portal.yaml',
        '    steps: ["./gradlew test"]',
        '    steps: ["./gradlew test"]\n    artifacts: [build/libs]',
      ),
    },
    expected: [
      {
        file: 'products/globex/portal.yaml',
        line: 11,
        code: 'artifacts-not-kept',
        pointer: '/spec/build/artifacts',
        message: /globex\/portal builds on jenkins, which does not keep build.artifacts yet/,
      },
    ],
  },
];
