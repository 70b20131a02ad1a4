import { CodemonkeysError } from '../../errors.js';
import type { Product, SecretRef } from '../../fleet/model.js';
import { perObject } from '../../util/per-object.js';
import { buildSpecOf, hashBuildSpec } from '../ci.js';
import { BUILD_SPEC_PARAMETER } from './build-spec.js';
import { groovyQuoted, groovyTripleQuoted, unrepresentableInGroovy } from './groovy.js';

const STAGE_NAME_MAX = 40;
/**
 * "Test reports archived" means: JUnit XML written anywhere under a directory named `test-results`
 * (`test-results/junit.xml` from jest-junit or `pytest --junitxml`, Gradle's `build/test-results/`).
 * `junit` records them for Jenkins' test view without touching the result (the result follows the
 * steps' exit codes, as on the local runner); `archiveArtifacts` keeps those directories whole
 * (reports, screenshots, logs) with the build. The checkout cleans the workspace first, so a
 * report left by an earlier build is never recorded again.
 */
const TEST_REPORTS = '**/test-results/**/*.xml';
const TEST_ARTIFACTS = '**/test-results/**';
/**
 * What fleet.yaml's `spec.ci.jenkins.credentials` lets a Jenkins credential id be (the schema's
 * jenkinsCredentialId): no quote, backslash, `$` or space, so the id is the same text in Groovy,
 * in XML and in a message.
 */
export const JENKINS_CREDENTIAL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;
/**
 * The first line of every step's script, so that Jenkins runs the step as the local runner does
 * (`bash -c <step>`: bash found on the PATH, neither `-e` nor `-x`). durable-task's
 * BourneShellScript (jenkinsci/durable-task-plugin src/main/java/org/jenkinsci/plugins/
 * durabletask/BourneShellScript.java) runs a script that starts with `#!` as an executable file,
 * under the interpreter the line names, and any other script under `sh -xe`: with dash as `sh`,
 * bash syntax would fail, and a multi-line step would stop at its first failing command where
 * the local runner goes on.
 */
const STEP_SHEBANG = '#!/usr/bin/env bash\n';
/** Groovy keywords cannot be assigned to, so they cannot name an `environment` entry. */
const GROOVY_KEYWORDS = new Set(
  (
    'abstract as assert boolean break byte case catch char class const continue def default do double ' +
    'else enum extends false final finally float for goto if implements import in instanceof int ' +
    'interface long native new null package private protected public return short static strictfp ' +
    'super switch synchronized this threadsafe throw throws trait transient true try void volatile while'
  ).split(' '),
);

/** The build parameters every generated job declares, in the Jenkinsfile and in its config.xml alike. */
export const JOB_PARAMETERS: readonly { name: string; description: string }[] = [
  { name: 'REPO_URL', description: 'Repository to build; set by Code Monkeys Ship.' },
  { name: 'BRANCH', description: 'Branch the commit was taken from; set by Code Monkeys Ship.' },
  { name: 'COMMIT', description: 'Full commit id to build; set by Code Monkeys Ship.' },
  {
    name: BUILD_SPEC_PARAMETER,
    description: 'Hashes of the build spec this build runs; set by Code Monkeys Ship.',
  },
];

/**
 * The declarative Jenkinsfile of a product's build: a checkout of `params.COMMIT` from
 * `params.REPO_URL` (with `checkout.credentialsId` for a private repository, see checkoutStep),
 * then one stage per build step (`sh` with a `#!/usr/bin/env bash` line and
 * then the step's exact text, see STEP_SHEBANG), under the
 * spec's timeout rounded up to whole minutes. No `timestamps()` (a plugin, not core) and no
 * `disableConcurrentBuilds()`: builds of different commits may run side by side. Deterministic:
 * the same spec gives the same text byte for byte.
 * Throws a CodemonkeysError: `NoBuild` (the spec has no build block), `UnrenderableStep` or
 * `UnrenderableEnv` (a text Groovy and the shell cannot carry, see groovyTripleQuoted),
 * `UnrenderableCredentialsId`.
 * Rendered once per product object and credential: the loader hands the same object back while
 * its manifest is unchanged, and a loop's passes ask for every product's Jenkinsfile several
 * times each.
 */
export function renderJenkinsfile(product: Product, checkout: JenkinsCheckout = {}): string {
  const texts = renderedFor(product);
  let text = texts.get(checkout.credentialsId);
  if (text === undefined) {
    text = render(product, checkout);
    texts.set(checkout.credentialsId, text);
  }
  return text;
}

/** How Jenkins checks a product's repository out. */
export interface JenkinsCheckout {
  /**
   * The id of the Jenkins credential the git plugin clones with (`credentialsId` of the
   * checkout's remote), for a private repository; none for a public one.
   */
  credentialsId?: string;
}

/** The Jenkinsfiles rendered for a product object, by checkout credential id (undefined: none). */
const renderedFor = perObject((_product: Product) => new Map<string | undefined, string>());

/**
 * The checkout a product's Jenkinsfile makes, by the Jenkins credential fleet.yaml maps its repo
 * credential to (`spec.ci.jenkins.credentials`, `<org>/<credential name>` → id): none when the
 * product names no credential, or (which validation refuses) when it is not mapped.
 */
export function jenkinsCheckoutOf(
  product: Product,
  credentials: Readonly<Record<string, string>> | undefined,
): JenkinsCheckout {
  const name = product.manifest.spec.repo.credentials;
  if (name === undefined || credentials === undefined) return {};
  const key = `${product.manifest.metadata.org}/${name}`;
  return Object.hasOwn(credentials, key) ? { credentialsId: credentials[key] as string } : {};
}

function render(product: Product, checkout: JenkinsCheckout): string {
  const build = product.manifest.spec.build;
  if (!build) {
    throw new CodemonkeysError(`${product.id}: the spec has no build block, so there is no Jenkinsfile`, {
      reason: 'NoBuild',
    });
  }
  const names = stageNames(build.steps);
  const stages = build.steps.flatMap((step, index) =>
    stage(names[index] as string, `sh ${stepLiteral(product, step, index)}`),
  );
  const lines = [
    `// Generated by Code Monkeys Ship from ${commentText(product.file)} — edit the spec, not this file.`,
    `// codemonkeys:spec-hash ${jenkinsfileSpecHash(product)}`,
    'pipeline {',
    '  agent any',
    '  options {',
    `    timeout(time: ${timeoutMinutes(product)}, unit: 'MINUTES')`,
    '    skipDefaultCheckout()',
    '  }',
    '  parameters {',
    ...JOB_PARAMETERS.map(
      (p) =>
        `    string(name: ${groovyQuoted(p.name)}, defaultValue: '', description: ${groovyQuoted(p.description)})`,
    ),
    '  }',
    ...environmentBlock(product, build.env ?? {}),
    '  stages {',
    ...stage('Checkout', checkoutStep(product, checkout)),
    ...stages,
    '  }',
    '  post {',
    '    always {',
    `      junit allowEmptyResults: true, skipMarkingBuildUnstable: true, testResults: '${TEST_REPORTS}'`,
    `      archiveArtifacts allowEmptyArchive: true, artifacts: '${TEST_ARTIFACTS}'`,
    '    }',
    '  }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The hash of the build spec the Jenkinsfile is made from (hashBuildSpec of its steps, env and
 * timeout, on `jenkins`): the one every build of it carries in BUILD_SPEC, so a build can be
 * matched with the Jenkinsfile it ran. Key order in the spec does not change it.
 */
export function jenkinsfileSpecHash(product: Product): string {
  return hashBuildSpec(buildSpecOf(product, 'jenkins')).hash;
}

/**
 * The id of the Jenkins credential that carries a secret env variable of a product's build:
 * `codemonkeys.<org>.<name>.<VARIABLE>`. Unambiguous (names and variables never contain a dot)
 * and stable, so the Jenkinsfile can name it before it exists: the Jenkins backend creates or
 * updates it as a "Secret text" credential holding the resolved value — for `{ file: p }` too,
 * since the local runner also sets the variable to the file's content, not its path.
 */
export function jenkinsCredentialId(product: Product, variable: string): string {
  const { org, name } = product.manifest.metadata;
  return `codemonkeys.${org}.${name}.${variable}`;
}

/**
 * Stage names for the build steps, in order: the step's first line without quotes or backslashes,
 * whitespace collapsed, ` …` when the step has more lines, cut to 40 characters; `Step N` when
 * nothing is left; ` (2)`, ` (3)`… where a name is taken (Declarative refuses duplicate stage
 * names, and `Checkout` is ours).
 */
export function stageNames(steps: readonly string[]): string[] {
  const taken = new Set(['Checkout']);
  return steps.map((step, index) => {
    const base = shortName(step) || `Step ${index + 1}`;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base} (${n})`;
    taken.add(name);
    return name;
  });
}

function shortName(step: string): string {
  const lines = step
    .split('\n')
    .map((line) =>
      line
        .replace(/['"`\\]/g, '')
        .replace(/[\s\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]+/gu, ' ')
        .trim(),
    )
    .filter((line) => line.length > 0);
  const text = lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? '');
  const chars = [...text];
  if (chars.length <= STAGE_NAME_MAX) return text;
  return `${chars
    .slice(0, STAGE_NAME_MAX - 1)
    .join('')
    .trimEnd()}…`;
}

/**
 * The checkout of `params.COMMIT` from `params.REPO_URL` into a cleaned workspace (the git plugin's
 * GitSCM), with the Jenkins credential of a private repository written into the script, never
 * taken from a parameter: whoever may start a build cannot make it clone with another credential.
 * Throws a CodemonkeysError `UnrenderableCredentialsId` for an id outside JENKINS_CREDENTIAL_ID
 * (validation refuses one first).
 */
function checkoutStep(product: Product, checkout: JenkinsCheckout): string {
  const id = checkout.credentialsId;
  if (id !== undefined && !JENKINS_CREDENTIAL_ID.test(id)) {
    throw new CodemonkeysError(
      `${product.id}: the Jenkins credential id of its checkout is not letters, digits, '.', '_' and '-' (see spec.ci.jenkins.credentials)`,
      { reason: 'UnrenderableCredentialsId' },
    );
  }
  // The Snippet Generator's order: credentialsId before url.
  const remote =
    id === undefined ? 'url: params.REPO_URL' : `credentialsId: ${groovyQuoted(id)}, url: params.REPO_URL`;
  return `checkout([$class: 'GitSCM', branches: [[name: params.COMMIT]], userRemoteConfigs: [[${remote}]], extensions: [[$class: 'CleanBeforeCheckout']]])`;
}

function stage(name: string, step: string): string[] {
  return [`    stage(${groovyQuoted(name)}) {`, '      steps {', `        ${step}`, '      }', '    }'];
}

function stepLiteral(product: Product, step: string, index: number): string {
  const problem = unrepresentableInGroovy(step);
  if (problem) {
    throw new CodemonkeysError(
      `${product.id}: build step ${index + 1} cannot be written into a Jenkinsfile: it contains ${problem}`,
      { reason: 'UnrenderableStep' },
    );
  }
  return groovyTripleQuoted(`${STEP_SHEBANG}${step}`);
}

/**
 * Plain values have every `$` doubled: Declarative hands them to `withEnv`, which expands `$NAME`
 * and `${NAME}` and reads `$$` as `$` (hudson.Util.replaceMacro); the local runner sets them
 * literally. Secret references name a Jenkins credential (jenkinsCredentialId).
 */
function environmentBlock(product: Product, env: Record<string, string | SecretRef>): string[] {
  const names = Object.keys(env).sort();
  if (names.length === 0) return [];
  const lines = ['  environment {'];
  for (const name of names) {
    const value = env[name] as string | SecretRef;
    const problem = GROOVY_KEYWORDS.has(name)
      ? 'a name that is a Groovy keyword'
      : typeof value === 'string'
        ? unrepresentableInGroovy(value)
        : undefined;
    if (problem) {
      throw new CodemonkeysError(
        `${product.id}: build env ${name} cannot be written into a Jenkinsfile: it has ${problem}`,
        { reason: 'UnrenderableEnv' },
      );
    }
    const expression =
      typeof value === 'string'
        ? groovyQuoted(value.replaceAll('$', () => '$$'))
        : `credentials(${groovyQuoted(jenkinsCredentialId(product, name))})`;
    lines.push(`    ${name} = ${expression}`);
  }
  lines.push('  }');
  return lines;
}

function timeoutMinutes(product: Product): number {
  return Math.max(1, Math.ceil(buildSpecOf(product, 'jenkins').timeoutMs / 60_000));
}

/**
 * A file name fit for a `//` comment: a line break would end the comment, and Groovy 2 turns a
 * `\uXXXX` anywhere in the source (comments too) into that character before parsing.
 */
function commentText(text: string): string {
  return text.replace(/[\\\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\uFFFE\uFFFF]/gu, '?');
}
