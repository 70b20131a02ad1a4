import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderJenkinsfile } from '../../../src/backends/jenkins/jenkinsfile.js';
import {
  jenkinsJobUrlPath,
  jobConfigHash,
  jobHashIn,
  jobPath,
  renderFolderConfig,
  renderJobConfig,
} from '../../../src/backends/jenkins/job-config.js';
import { CodemonkeysError } from '../../../src/errors.js';
import { productWith } from './product.js';

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the one `<script>` element, entities and character references decoded. */
function scriptOf(xml: string): string {
  const parts = xml.split(/<script>|<\/script>/);
  if (parts.length !== 3)
    throw new Error(`expected exactly one <script> element, found ${parts.length - 1} tags`);
  const escaped = parts[1] as string;
  if (/[<>]/.test(escaped)) throw new Error('markup inside <script>');
  return escaped.replace(/&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|([a-z]+));/g, (_entity, hex, decimal, name) => {
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (decimal !== undefined) return String.fromCodePoint(Number.parseInt(decimal, 10));
    const char = NAMED[name as string];
    if (char === undefined) throw new Error(`unknown entity &${name};`);
    return char;
  });
}

const widget = productWith({ steps: ['npm ci', 'npm test'], timeout: '15m' });

describe('renderJobConfig', () => {
  it('renders a Pipeline job as reviewed in its snapshot', async () => {
    await expect(renderJobConfig(widget, renderJenkinsfile(widget))).toMatchFileSnapshot(
      '__snapshots__/widget.config.xml',
    );
  });

  it.each([
    { name: 'a plain spec', build: { steps: ['npm ci', 'npm test'] } },
    {
      name: 'markup and quotes in steps and env',
      build: {
        steps: [`echo "<b>&amp;</b>" '''x''' ]]> <![CDATA[`, "test $A -lt 3 && echo '<>' > out.xml"],
        env: { HTML: '<a href="x">&</a>', KEY: { env: 'K' } },
      },
    },
  ])('embeds the Jenkinsfile of $name so that it decodes back exactly', ({ build }) => {
    const product = productWith(build);
    const jenkinsfile = renderJenkinsfile(product);
    expect(scriptOf(renderJobConfig(product, jenkinsfile))).toBe(jenkinsfile);
  });

  it('embeds any text XML can carry so that it decodes back exactly', () => {
    const unit = fc.oneof(
      fc.constantFrom(
        '&',
        '<',
        '>',
        '"',
        "'",
        ']]>',
        '&amp;',
        '\r',
        '\r\n',
        '\u0085',
        '\u2028',
        '\u0001',
        '\t',
        '\n',
      ),
      fc.integer({ min: 1, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
    );
    const script = fc
      .array(unit, { maxLength: 30 })
      .map((parts) => parts.join(''))
      .filter((text) => !/[\uD800-\uDFFF\uFFFE\uFFFF]/u.test(text));
    fc.assert(
      fc.property(script, (text) => {
        const xml = renderJobConfig(widget, text);
        expect(scriptOf(xml)).toBe(text);
        // Raw CR, NEL and U+2028 would be read back as LF by an XML parser.
        expect(xml).not.toMatch(/[\r\u0085\u2028]/);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    { what: 'NUL', script: 'a\u0000b' },
    { what: 'U+FFFF', script: 'a\uffffb' },
    { what: 'an unpaired surrogate', script: 'a\ud800b' },
  ])('refuses a script with $what', ({ script }) => {
    expect(() => renderJobConfig(widget, script)).toThrow(CodemonkeysError);
  });
});

describe('the job hash in the description', () => {
  const HASH = 'a'.repeat(64);

  it('is the sha256 of the config.xml without its hash line', () => {
    const jenkinsfile = renderJenkinsfile(widget);
    const xml = renderJobConfig(widget, jenkinsfile);
    const hash = jobConfigHash(widget, jenkinsfile);
    expect(xml).toContain(`edit the spec, not this job.\ncodemonkeys:job-hash ${hash}</description>`);
    const unmarked = xml.replace(`\ncodemonkeys:job-hash ${hash}`, '');
    expect(createHash('sha256').update(unmarked).digest('hex')).toBe(hash);
  });

  it('changes with the spec and with the generated text, not with the order of keys', () => {
    const base = jobConfigHash(widget, renderJenkinsfile(widget));
    const reordered = productWith({ timeout: '15m', steps: ['npm ci', 'npm test'] });
    expect(jobConfigHash(reordered, renderJenkinsfile(reordered))).toBe(base);
    const other = productWith({ steps: ['npm ci', 'npm test'], timeout: '20m' });
    expect(jobConfigHash(other, renderJenkinsfile(other))).not.toBe(base);
    // A new generator: the same spec, another Jenkinsfile.
    expect(jobConfigHash(widget, `${renderJenkinsfile(widget)}// changed\n`)).not.toBe(base);
  });

  it.each([
    { what: 'no description', description: null, hash: undefined },
    { what: 'an empty one', description: '', hash: undefined },
    { what: 'the generated one', description: `Builds x.\ncodemonkeys:job-hash ${HASH}`, hash: HASH },
    {
      what: 'one saved from a form (CRLF)',
      description: `Builds x.\r\ncodemonkeys:job-hash ${HASH}\r\n`,
      hash: HASH,
    },
    { what: 'a short hash', description: `codemonkeys:job-hash ${HASH.slice(1)}`, hash: undefined },
    {
      what: 'an upper-case hash',
      description: `codemonkeys:job-hash ${HASH.toUpperCase()}`,
      hash: undefined,
    },
    { what: 'the marker inside a word', description: `xcodemonkeys:job-hash ${HASH}`, hash: undefined },
  ])('reads $what as $hash', ({ description, hash }) => {
    expect(jobHashIn(description)).toBe(hash);
  });
});

describe('renderFolderConfig', () => {
  it('renders a cloudbees-folder Folder for the org', () => {
    expect(renderFolderConfig('acme')).toBe(
      [
        "<?xml version='1.1' encoding='UTF-8'?>",
        '<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder">',
        '  <description>Jobs of org acme, managed by Code Monkeys Ship.</description>',
        '  <properties/>',
        '</com.cloudbees.hudson.plugins.folder.Folder>',
        '',
      ].join('\n'),
    );
  });
});

describe('jobPath', () => {
  it.each([
    { folder: undefined, path: ['acme', 'widget'] },
    { folder: '', path: ['acme', 'widget'] },
    { folder: 'codemonkeys', path: ['codemonkeys', 'acme', 'widget'] },
    { folder: 'ci/codemonkeys', path: ['ci', 'codemonkeys', 'acme', 'widget'] },
    { folder: '/ci//codemonkeys/', path: ['ci', 'codemonkeys', 'acme', 'widget'] },
  ])('puts the job at $path under folder $folder', ({ folder, path }) => {
    expect(jobPath(widget, folder)).toEqual(path);
  });
});

describe('jenkinsJobUrlPath', () => {
  it.each([
    { segments: [], url: '/' },
    { segments: ['acme', 'widget'], url: '/job/acme/job/widget/' },
    { segments: ['ci', 'acme', 'widget'], url: '/job/ci/job/acme/job/widget/' },
    {
      segments: ['my folder', 'a/b', '50%', 'x?y#z', 'é'],
      url: '/job/my%20folder/job/a%2Fb/job/50%25/job/x%3Fy%23z/job/%C3%A9/',
    },
  ])('turns $segments into $url', ({ segments, url }) => {
    expect(jenkinsJobUrlPath(segments)).toBe(url);
  });
});
