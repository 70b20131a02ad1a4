import { describe, expect, it } from 'vitest';
import { updateChangelog } from '../../../src/facets/release/changelog.js';

const notes130 = '## 1.3.0 (2026-12-06)\n\n### Features\n\n* add export (abc1234)\n';
const notes120 = '## 1.2.0 (2026-11-01)\n\n### Bug Fixes\n\n* stop the crash (def5678)\n';

describe('updateChangelog', () => {
  it.each<[string, string | undefined, string]>([
    ['starts a missing file with the title', undefined, `# Changelog\n\n${notes130}`],
    ['starts an empty file with the title', '', `# Changelog\n\n${notes130}`],
    [
      'puts the notes above the previous release',
      `# Changelog\n\n${notes120}`,
      `# Changelog\n\n${notes130}\n${notes120}`,
    ],
    [
      'keeps a preamble under the title above the releases',
      `# Changelog\n\nAll notable changes are listed here.\n\n${notes120}`,
      `# Changelog\n\nAll notable changes are listed here.\n\n${notes130}\n${notes120}`,
    ],
    [
      'appends after a title and preamble with no release yet',
      '# Changelog\n\nAll notable changes.\n',
      `# Changelog\n\nAll notable changes.\n\n${notes130}`,
    ],
    ['appends after a file that does not end with a newline', '# Changelog', `# Changelog\n\n${notes130}`],
    [
      'replaces the section of the same version instead of duplicating it',
      `# Changelog\n\n## [1.3.0](https://x/compare/a...b) (2026-12-01)\n\n* old\n\n${notes120}`,
      `# Changelog\n\n${notes130}\n${notes120}`,
    ],
    [
      'replaces the same version when it is the last section',
      `# Changelog\n\n## 1.3.0 (2026-12-01)\n\n* old\n`,
      `# Changelog\n\n${notes130}`,
    ],
    [
      'does not take a prerelease of the version for the version',
      `# Changelog\n\n## 1.3.0-rc.1 (2026-12-01)\n\n* rc\n`,
      `# Changelog\n\n${notes130}\n## 1.3.0-rc.1 (2026-12-01)\n\n* rc\n`,
    ],
    [
      'ignores ## lines inside a fenced code block of the preamble',
      '# Changelog\n\n```md\n## 1.3.0 example\n```\n',
      `# Changelog\n\n\`\`\`md\n## 1.3.0 example\n\`\`\`\n\n${notes130}`,
    ],
    [
      'writes CRLF into a CRLF file',
      '# Changelog\r\n\r\n## 1.2.0\r\n\r\n* x\r\n',
      `# Changelog\r\n\r\n${notes130.replace(/\n/g, '\r\n')}\r\n## 1.2.0\r\n\r\n* x\r\n`,
    ],
  ])('%s', (_name, existing, expected) => {
    expect(updateChangelog(existing, notes130, '1.3.0')).toBe(expected);
  });

  it.each<[string, string | undefined]>([
    ['a new file', undefined],
    ['a file with releases', `# Changelog\n\nPreamble.\n\n${notes120}`],
    ['a file with no release', '# Changelog\n\nPreamble.'],
  ])('gives the same file when run twice on %s', (_name, existing) => {
    const once = updateChangelog(existing, notes130, '1.3.0');
    expect(updateChangelog(once, notes130, '1.3.0')).toBe(once);
  });

  it('keeps every byte of the older releases, odd spacing included', () => {
    const older = '##  1.1.0\n* spaced   oddly  \n\n\n## 1.0.0\n\ttabbed\n';
    const existing = `# Changelog\n\n${notes120}\n${older}`;
    expect(updateChangelog(existing, notes130, '1.3.0').endsWith(`${notes120}\n${older}`)).toBe(true);
  });
});
