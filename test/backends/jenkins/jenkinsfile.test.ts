import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  groovyQuoted,
  groovyTripleQuoted,
  unrepresentableInGroovy,
} from '../../../src/backends/jenkins/groovy.js';
import {
  JOB_PARAMETERS,
  jenkinsCheckoutOf,
  jenkinsCredentialId,
  jenkinsfileSpecHash,
  renderJenkinsfile,
  stageNames,
} from '../../../src/backends/jenkins/jenkinsfile.js';
import { CodemonkeysError } from '../../../src/errors.js';
import { productWith, withRepoCredential } from './product.js';

// A model of Groovy's lexer for string literals, to prove what Jenkins reads back.
// groovy2: the parser Jenkins runs (Groovy 2.4): UnicodeEscapingReader translates \uXXXX in the
// whole source first (a backslash pair passes by untouched), and U+FFFF is the end of input.
// parrot: Groovy 3+, where \uXXXX is an escape sequence inside strings.
type Dialect = 'groovy2' | 'parrot';
const DIALECTS: Dialect[] = ['groovy2', 'parrot'];
const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  "'": "'",
  '"': '"',
  '\\': '\\',
  $: '$',
  '\n': '',
};

function translateUnicodeEscapes(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '\\') out += source[i];
    else if (source[i + 1] !== 'u') out += source.slice(i, ++i + 1);
    else {
      let j = i + 1;
      while (source[j] === 'u') j++;
      const hex = source.slice(j, j + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`invalid unicode escape at ${i}`);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i = j + 3;
    }
  }
  return out;
}

/** Lexes the string literal that starts `text`; `rest` is what follows it. */
function lexGroovyString(text: string, dialect: Dialect): { value: string; rest: string } {
  const triple = text.startsWith("'''");
  if (!triple && !text.startsWith("'")) throw new Error('not a single-quoted string');
  let value = '';
  for (let i = triple ? 3 : 1; i < text.length; ) {
    const char = text[i] as string;
    if (char === '\\') {
      const next = text[i + 1] as string;
      if (next in SIMPLE_ESCAPES) value += SIMPLE_ESCAPES[next];
      else if (next === 'u' && dialect === 'parrot' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 4;
      } else throw new Error(`unexpected escape \\${next}`);
      i += 2;
    } else if (char === "'" && (!triple || text.startsWith("''", i + 1))) {
      return { value, rest: text.slice(i + (triple ? 3 : 1)) };
    } else if (char === '\r' || (char === '\n' && !triple) || (char === '\uffff' && dialect === 'groovy2')) {
      throw new Error(`U+${char.charCodeAt(0).toString(16)} does not survive in a string literal`);
    } else {
      value += char;
      i++;
    }
  }
  throw new Error('unterminated string literal');
}

/** The value of a literal that must span all of `literal`. */
function decode(literal: string, dialect: Dialect): string {
  const { value, rest } = lexGroovyString(
    dialect === 'groovy2' ? translateUnicodeEscapes(literal) : literal,
    dialect,
  );
  if (rest !== '') throw new Error(`the literal ends early; left: ${JSON.stringify(rest)}`);
  return value;
}

/** The scripts of the `sh` steps of a Jenkinsfile, as Groovy reads them. */
function shScripts(jenkinsfile: string, dialect: Dialect): string[] {
  const source = dialect === 'groovy2' ? translateUnicodeEscapes(jenkinsfile) : jenkinsfile;
  const scripts: string[] = [];
  let rest = source.slice(source.indexOf('  stages {'));
  for (let at = rest.indexOf("sh '''"); at >= 0; at = rest.indexOf("sh '''")) {
    const literal = lexGroovyString(rest.slice(at + 3), dialect);
    scripts.push(literal.value);
    rest = literal.rest;
  }
  return scripts;
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function isControl(char: string): boolean {
  const code = char.codePointAt(0) as number;
  return (code < 0x20 && char !== '\t' && char !== '\n') || (code >= 0x7f && code <= 0x9f);
}

/** hudson.Util.replaceMacro with every variable defined: what withEnv makes of a value. */
function replaceMacro(value: string): string {
  return value.replace(/\$([A-Za-z0-9_]+|\{[A-Za-z0-9_]+\}|\$)/g, (_match, key: string) =>
    key === '$' ? '$' : 'RESOLVED',
  );
}

const NASTY_STEPS = [
  `echo 'single' "double" \`date\``,
  'printf "%s\\n" C:\\path\\to\\dir \\',
  "cat <<'EOF'\n'''triple''' and ''''four''''\nEOF",
  `echo \${HOME} $USER $$ \\\${NOT} \\u0027`,
  'first line\nsecond line\r\nwindows line',
  'echo héllo — 日本語 🚀 \u001b[31mred\u001b[0m\ttab \u202eevil',
  "echo 'ends with a quote'",
  'npm test',
  'npm test',
];

const SHAPES: { name: string; build: unknown }[] = [
  { name: 'steps-only', build: { steps: ['npm ci', 'npm test'] } },
  { name: 'steps-with-timeout', build: { steps: ['make build', 'make test'], timeout: '90s' } },
  {
    name: 'env-plain-and-secret',
    build: {
      steps: ['./publish.sh'],
      timeout: '1h30m',
      env: {
        NODE_ENV: 'production',
        GREETING: `it's $HOME and \${USER}, costs $$5\\n`,
        NPM_TOKEN: { env: 'ACME_NPM_TOKEN' },
        SIGNING_KEY: { file: 'secrets/signing.key' },
      },
    },
  },
  { name: 'nasty-steps', build: { steps: NASTY_STEPS } },
];

describe('renderJenkinsfile', () => {
  it.each(SHAPES)('renders the $name spec as reviewed in its snapshot', async ({ name, build }) => {
    await expect(renderJenkinsfile(productWith(build))).toMatchFileSnapshot(
      `__snapshots__/${name}.Jenkinsfile`,
    );
  });

  it.each(SHAPES)(
    'carries every step of the $name spec into sh exactly, after a bash line, for both Groovy parsers',
    ({ build }) => {
      // A first line `#!…` makes durable-task run the script with that interpreter, not `sh -xe`.
      const steps = (build as { steps: string[] }).steps.map((step) => `#!/usr/bin/env bash\n${step}`);
      const jenkinsfile = renderJenkinsfile(productWith(build));
      for (const dialect of DIALECTS) expect(shScripts(jenkinsfile, dialect)).toEqual(steps);
    },
  );

  it('starts with the generated-file header and the spec hash', () => {
    const product = productWith({ steps: ['make'] });
    const [first, second] = renderJenkinsfile(product).split('\n');
    expect(first).toBe(
      '// Generated by Code Monkeys Ship from products/acme/widget.yaml — edit the spec, not this file.',
    );
    expect(second).toBe(`// codemonkeys:spec-hash ${jenkinsfileSpecHash(product)}`);
    expect(second).toMatch(/^\/\/ codemonkeys:spec-hash [0-9a-f]{12}$/);
  });

  it.each([
    { timeout: undefined, minutes: 30 },
    { timeout: '15m', minutes: 15 },
    { timeout: '90s', minutes: 2 },
    { timeout: '60s', minutes: 1 },
    { timeout: '500ms', minutes: 1 },
    { timeout: '0s', minutes: 1 },
    { timeout: '1h30m', minutes: 90 },
    { timeout: '1d', minutes: 1440 },
  ])('rounds a timeout of $timeout up to $minutes whole minutes', ({ timeout, minutes }) => {
    const jenkinsfile = renderJenkinsfile(productWith({ steps: ['make'], timeout }));
    expect(jenkinsfile).toContain(`    timeout(time: ${minutes}, unit: 'MINUTES')\n`);
  });

  it('keeps a plain env value literal through withEnv expansion and names credentials for secrets', () => {
    const value = `it's $HOME and \${USER}, costs $$5`;
    const jenkinsfile = renderJenkinsfile(
      productWith({ steps: ['make'], env: { GREETING: value, TOKEN: { env: 'T' } } }),
    );
    const line = jenkinsfile.split('\n').find((text) => text.startsWith('    GREETING = ')) as string;
    for (const dialect of DIALECTS) expect(replaceMacro(decode(line.slice(15), dialect))).toBe(value);
    expect(jenkinsfile).toContain("    TOKEN = credentials('codemonkeys.acme.widget.TOKEN')\n");
  });

  it('gives the same text and hash whatever order the env keys are written in', () => {
    const one = productWith({ steps: ['make'], env: { A: '1', B: { env: 'X' } } });
    const other = productWith({ env: { B: { env: 'X' }, A: '1' }, steps: ['make'] });
    expect(renderJenkinsfile(other)).toBe(renderJenkinsfile(one));
    expect(jenkinsfileSpecHash(other)).toBe(jenkinsfileSpecHash(one));
    expect(
      jenkinsfileSpecHash(productWith({ steps: ['make test'], env: { A: '1', B: { env: 'X' } } })),
    ).not.toBe(jenkinsfileSpecHash(one));
  });

  it.each([
    {
      what: 'a step with NUL',
      build: { steps: ['make', 'echo \u0000'] },
      reason: 'UnrenderableStep',
      says: 'step 2',
    },
    {
      what: 'a step with U+FFFF',
      build: { steps: ['echo \uffff'] },
      reason: 'UnrenderableStep',
      says: 'U+FFFF',
    },
    {
      what: 'an env name that is a keyword',
      build: { steps: ['make'], env: { in: 'x' } },
      reason: 'UnrenderableEnv',
      says: 'env in',
    },
    {
      what: 'an env value with NUL',
      build: { steps: ['make'], env: { A: 'a\u0000' } },
      reason: 'UnrenderableEnv',
      says: 'NUL',
    },
  ])('refuses $what with $reason', ({ build, reason, says }) => {
    const error = thrown(() => renderJenkinsfile(productWith(build)));
    expect(error).toBeInstanceOf(CodemonkeysError);
    expect((error as CodemonkeysError).reason).toBe(reason);
    expect((error as CodemonkeysError).message).toContain(says);
  });

  it('refuses a product without a build block', () => {
    const product = productWith({ steps: ['make'] });
    const bare = {
      ...product,
      manifest: { ...product.manifest, spec: { repo: product.manifest.spec.repo } },
    };
    expect(() => renderJenkinsfile(bare)).toThrow(/no build block/);
  });
});

/** The one step of the Checkout stage. */
function checkoutLine(jenkinsfile: string): string {
  const lines = jenkinsfile.split('\n');
  return (lines[lines.indexOf("    stage('Checkout') {") + 2] as string).trim();
}

describe("the Jenkinsfile's checkout", () => {
  const product = productWith({ steps: ['make'] });

  it('clones a public repository with no credential', () => {
    expect(checkoutLine(renderJenkinsfile(product))).toBe(
      "checkout([$class: 'GitSCM', branches: [[name: params.COMMIT]], userRemoteConfigs: [[url: params.REPO_URL]], extensions: [[$class: 'CleanBeforeCheckout']]])",
    );
  });

  it('clones a private repository with its Jenkins credential, written into the script and not a parameter', () => {
    const jenkinsfile = renderJenkinsfile(product, { credentialsId: 'acme-git-token' });
    expect(checkoutLine(jenkinsfile)).toBe(
      "checkout([$class: 'GitSCM', branches: [[name: params.COMMIT]], userRemoteConfigs: [[credentialsId: 'acme-git-token', url: params.REPO_URL]], extensions: [[$class: 'CleanBeforeCheckout']]])",
    );
    // Nothing else differs: the parameters a build is started with cannot name a credential.
    const others = (text: string) => text.split('\n').filter((line) => !line.includes('checkout(['));
    expect(others(jenkinsfile)).toEqual(others(renderJenkinsfile(product)));
    expect(JOB_PARAMETERS.map((parameter) => parameter.name)).toEqual([
      'REPO_URL',
      'BRANCH',
      'COMMIT',
      'BUILD_SPEC',
    ]);
  });

  it.each(['acme-git-token', 'codemonkeys.acme.widget.GIT', 'A_1', '0-9.x'])(
    'writes the id %s as a Groovy string both parsers read back as it is',
    (id) => {
      const line = checkoutLine(renderJenkinsfile(product, { credentialsId: id }));
      const literal = line.slice(line.indexOf('credentialsId: ') + 'credentialsId: '.length);
      for (const dialect of DIALECTS) {
        const { value, rest } = lexGroovyString(literal, dialect);
        expect(value).toBe(id);
        expect(rest.startsWith(', url: params.REPO_URL]]')).toBe(true);
      }
    },
  );

  it.each([
    "acme', url: 'https://evil.example",
    'a\\b',
    '$HOME',
    '',
    ' acme',
    '-acme',
    'acme token',
    'ac\nme',
  ])('refuses the id %j with UnrenderableCredentialsId, whatever validation let through', (id) => {
    const error = thrown(() => renderJenkinsfile(product, { credentialsId: id }));
    expect(error).toBeInstanceOf(CodemonkeysError);
    expect((error as CodemonkeysError).reason).toBe('UnrenderableCredentialsId');
    expect((error as CodemonkeysError).message).toMatch(/^acme\/widget: the Jenkins credential id/);
  });

  it('is rendered anew for another credential of the same product object', () => {
    const first = renderJenkinsfile(product, { credentialsId: 'one' });
    const second = renderJenkinsfile(product, { credentialsId: 'two' });
    expect(first).toContain("credentialsId: 'one'");
    expect(second).toContain("credentialsId: 'two'");
    expect(renderJenkinsfile(product)).not.toContain('credentialsId');
  });
});

describe('jenkinsCheckoutOf', () => {
  const product = productWith({ steps: ['make'] });
  const mapping = { 'acme/gitToken': 'acme-git-token', 'globex/gitToken': 'globex-git-token' };

  it.each([
    {
      what: 'the id mapped to its org and credential',
      credential: 'gitToken',
      mapping,
      wanted: { credentialsId: 'acme-git-token' },
    },
    { what: 'nothing for a public repository', credential: undefined, mapping, wanted: {} },
    { what: 'nothing for an unmapped credential', credential: 'npmToken', mapping, wanted: {} },
    { what: 'nothing without a mapping', credential: 'gitToken', mapping: undefined, wanted: {} },
    { what: 'nothing for a name the mapping only inherits', credential: 'toString', mapping: {}, wanted: {} },
  ])('gives $what', ({ credential, mapping: credentials, wanted }) => {
    const subject = credential === undefined ? product : withRepoCredential(product, credential);
    expect(jenkinsCheckoutOf(subject, credentials)).toEqual(wanted);
  });
});

describe('stageNames', () => {
  it.each([
    { steps: ['npm ci', 'npm test'], names: ['npm ci', 'npm test'] },
    { steps: ['npm test', 'npm test', 'npm test'], names: ['npm test', 'npm test (2)', 'npm test (3)'] },
    { steps: ['Checkout', 'checkout'], names: ['Checkout (2)', 'checkout'] },
    { steps: [`echo 'hi' "there" \\n`], names: ['echo hi there n'] },
    { steps: ['set -e\nmake\nmake test'], names: ['set -e …'] },
    { steps: ['\n  \n', "''"], names: ['Step 1', 'Step 2'] },
    { steps: ['a\tb\u001bc   d'], names: ['a b c d'] },
    {
      steps: [`npm run build -- --configuration production --verbose`],
      names: ['npm run build -- --configuration produc…'],
    },
  ])('names $steps as $names', ({ steps, names }) => {
    expect(stageNames(steps)).toEqual(names);
  });
});

describe('jenkinsCredentialId', () => {
  it.each([
    { name: 'widget', variable: 'NPM_TOKEN', id: 'codemonkeys.acme.widget.NPM_TOKEN' },
    { name: 'a-b', variable: 'C', id: 'codemonkeys.acme.a-b.C' },
  ])('derives $id from the product and the variable', ({ name, variable, id }) => {
    expect(jenkinsCredentialId(productWith({ steps: ['make'] }, name), variable)).toBe(id);
  });
});

describe('Groovy string literals', () => {
  it.each([
    '',
    "'",
    "''",
    "'''",
    "''''''",
    '\\',
    "\\'",
    "\\'''",
    '$',
    `\${HOME}`,
    '$HOME',
    '\\u0027',
    '\\\\u0027',
    '\\\\\\u0027',
    '\n',
    '\r\n',
    "\n'''\n",
    'héllo 日本語 🚀',
    '\u001b\u007f\u0085\u202e\ufeff',
  ])('reads %j back exactly from both literal forms', (text) => {
    for (const dialect of DIALECTS) {
      expect(decode(groovyTripleQuoted(text), dialect)).toBe(text);
      expect(decode(groovyQuoted(text), dialect)).toBe(text);
    }
  });

  it('reads any representable string back exactly and refuses the rest', () => {
    const unit = fc.oneof(
      fc.constantFrom(
        "'",
        '\\',
        '$',
        '{',
        '}',
        'u',
        '0',
        'a',
        '\n',
        '\r',
        '\t',
        '"',
        '\u001b',
        '\u202e',
        '\ufeff',
      ),
      fc.constantFrom('\u0000', '\uffff', '\ud800', '\udc00'),
      fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
    );
    const text = fc.array(unit, { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (value) => {
        if (unrepresentableInGroovy(value) !== undefined) {
          expect(() => groovyTripleQuoted(value)).toThrow(TypeError);
          return;
        }
        const triple = groovyTripleQuoted(value);
        const single = groovyQuoted(value);
        for (const dialect of DIALECTS) {
          expect(decode(triple, dialect)).toBe(value);
          expect(decode(single, dialect)).toBe(value);
        }
        // No control character but tab and line feed: nothing XML would rewrite or a review miss.
        expect([...triple, ...single].filter(isControl)).toEqual([]);
        expect(single).not.toContain('\n');
      }),
      { numRuns: 2000 },
    );
  });
});
