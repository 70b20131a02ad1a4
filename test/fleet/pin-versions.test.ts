import { describe, expect, it } from 'vitest';
import { PinError, pinEnvironments, unifiedDiff } from '../../src/fleet/pin-versions.js';

const BLOCK = `# The widget, deployed twice.
apiVersion: codemonkeys.dev/v1
kind: Product
metadata: { name: widget, org: acme }
spec:
  repo: { url: ../repos/widget.git }
  deploy:
    playbook: deploy-static-site.yml   # from the library
    environments:
      # staging follows every release
      staging:
        version: latest   # keep up
        vars: { site_docroot: /srv/staging }
      prod:
        version: "1.4.0"
      eu:
        version: 'v1.4.0'
`;

const FLOW = `apiVersion: codemonkeys.dev/v1
kind: Product
metadata: { name: site, org: acme }
spec:
  repo: { url: ../repos/acme/site.git }
  deploy:
    playbook: deploy-static-site.yml
    vars: { site_src: "{{ codemonkeys.release_dir }}/site", site_version: "{{ codemonkeys.version }}", site_prune: true }
    environments: { staging: { version: latest, vars: { site_docroot: /srv/s } }, prod: {version: 1.1.0} }`;

interface PinCase {
  name: string;
  text: string;
  environments?: string[];
  version: string;
  /** Each [old, new] replaced once in `text` gives the expected text. */
  edits: [string, string][];
  changes: [string, string][];
  unchanged: string[];
}

const CASES: PinCase[] = [
  {
    name: 'pins every environment, keeping comments, order, quoting and the other values',
    text: BLOCK,
    version: '1.0.0',
    edits: [
      ['version: latest   # keep up', 'version: 1.0.0   # keep up'],
      ['version: "1.4.0"', 'version: "1.0.0"'],
      ["version: 'v1.4.0'", "version: '1.0.0'"],
    ],
    changes: [
      ['staging', 'latest'],
      ['prod', '1.4.0'],
      ['eu', 'v1.4.0'],
    ],
    unchanged: [],
  },
  {
    name: 'pins only the environments asked for',
    text: BLOCK,
    environments: ['prod'],
    version: '1.0.0',
    edits: [['version: "1.4.0"', 'version: "1.0.0"']],
    changes: [['prod', '1.4.0']],
    unchanged: [],
  },
  {
    name: 'leaves an environment already at the version alone, written with or without v',
    text: BLOCK,
    version: '1.4.0',
    edits: [['version: latest   # keep up', 'version: 1.4.0   # keep up']],
    changes: [['staging', 'latest']],
    unchanged: ['prod', 'eu'],
  },
  {
    name: 'changes nothing when every chosen environment is there already',
    text: BLOCK,
    environments: ['eu', 'prod'],
    version: '1.4.0',
    edits: [],
    changes: [],
    unchanged: ['prod', 'eu'],
  },
  {
    name: 'turns latest into the version inside flow-style maps, and keeps a long flow line whole',
    text: FLOW,
    version: '1.0.0-rc.1',
    edits: [
      ['staging: { version: latest,', 'staging: { version: 1.0.0-rc.1,'],
      ['prod: {version: 1.1.0}', 'prod: {version: 1.0.0-rc.1}'],
    ],
    changes: [
      ['staging', 'latest'],
      ['prod', '1.1.0'],
    ],
    unchanged: [],
  },
  {
    name: 'pins an environment whose version is an alias when the anchored one is pinned too',
    text: 'spec:\n  deploy:\n    environments:\n      prod: { version: &v 1.4.0 }\n      eu: { version: *v }\n',
    version: '1.2.0',
    edits: [
      ['&v 1.4.0', '&v 1.2.0'],
      ['*v', '1.2.0'],
    ],
    changes: [
      ['prod', '1.4.0'],
      ['eu', '1.4.0'],
    ],
    unchanged: [],
  },
];

describe('pinEnvironments', () => {
  it.each(CASES)('$name', ({ text, environments, version, edits, changes, unchanged }) => {
    let expected = text;
    for (const [from, to] of edits) {
      expect(expected).toContain(from);
      expected = expected.replace(from, to);
    }
    const result = pinEnvironments(text, environments, version);
    expect(result.text).toBe(expected);
    expect(result.changes).toEqual(
      changes.map(([environment, from]) => ({ environment, from, to: version })),
    );
    expect(result.unchanged).toEqual(unchanged);
  });

  const REFUSALS: { name: string; text: string; environments?: string[]; reason: string; message: RegExp }[] =
    [
      {
        name: 'an environment the product does not have',
        text: BLOCK,
        environments: ['qa'],
        reason: 'UnknownEnvironment',
        message: /no environment qa in spec\.deploy\.environments \(it has staging, prod, eu\)/,
      },
      {
        name: 'a manifest without deploy environments',
        text: 'spec:\n  repo: { url: x }\n',
        reason: 'NoDeployEnvironments',
        message: /has no spec\.deploy\.environments/,
      },
      {
        name: 'a version shared through an anchor with an environment not chosen',
        text: 'spec:\n  deploy:\n    environments:\n      prod: { version: &v 1.4.0 }\n      eu: { version: *v }\n',
        environments: ['prod'],
        reason: 'UnpinnableManifest',
        message: /would also change eu: its version is shared through a YAML anchor/,
      },
      {
        name: 'text that is not one YAML document',
        text: 'spec: [\n',
        reason: 'ManifestUnreadable',
        message: /not one valid YAML document/,
      },
    ];

  it.each(REFUSALS)('refuses $name, saying why', ({ text, environments, reason, message }) => {
    let caught: unknown;
    try {
      pinEnvironments(text, environments, '1.0.0');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PinError);
    expect((caught as PinError).reason).toBe(reason);
    expect((caught as PinError).message).toMatch(message);
  });
});

describe('unifiedDiff', () => {
  const lines = (count: number) => Array.from({ length: count }, (_, index) => `line ${index + 1}`);

  it.each([
    {
      name: 'one changed line with three lines of context each side',
      before: `${lines(10).join('\n')}\n`,
      after: `${lines(10)
        .map((line) => (line === 'line 5' ? 'line five' : line))
        .join('\n')}\n`,
      expected: [
        '--- a/p.yaml',
        '+++ b/p.yaml',
        '@@ -2,7 +2,7 @@',
        ' line 2',
        ' line 3',
        ' line 4',
        '-line 5',
        '+line five',
        ' line 6',
        ' line 7',
        ' line 8',
      ],
    },
    {
      name: 'two changes far apart in two hunks, the first at the top',
      before: `${lines(20).join('\n')}\n`,
      after: `${lines(20)
        .map((line) => (line === 'line 1' ? 'one' : line === 'line 18' ? 'eighteen' : line))
        .join('\n')}\n`,
      expected: [
        '--- a/p.yaml',
        '+++ b/p.yaml',
        '@@ -1,4 +1,4 @@',
        '-line 1',
        '+one',
        ' line 2',
        ' line 3',
        ' line 4',
        '@@ -15,6 +15,6 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '-line 18',
        '+eighteen',
        ' line 19',
        ' line 20',
      ],
    },
    {
      name: 'a last line without a newline, marked as git marks it',
      before: 'a\nb',
      after: 'a\nc',
      expected: [
        '--- a/p.yaml',
        '+++ b/p.yaml',
        '@@ -1,2 +1,2 @@',
        ' a',
        '-b',
        '\\ No newline at end of file',
        '+c',
        '\\ No newline at end of file',
      ],
    },
  ])('$name', ({ before, after, expected }) => {
    expect(unifiedDiff('p.yaml', before, after)).toBe(`${expected.join('\n')}\n`);
  });

  it('is empty for equal texts', () => {
    expect(unifiedDiff('p.yaml', 'a\n', 'a\n')).toBe('');
  });
});
