const TITLE = '# Changelog\n\n';

interface Line {
  text: string;
  /** Offset of the line's first character in the file. */
  start: number;
}

/** The changelog with this release's notes at the top (under the title), idempotent: a section for the same version already there is replaced, not duplicated. */
export function updateChangelog(existing: string | undefined, notes: string, version: string): string {
  if (existing === undefined || existing.trim() === '') return `${TITLE}${notes.trimEnd()}\n`;
  const eol = existing.includes('\r\n') ? '\r\n' : '\n';
  const block = notes.trimEnd().replace(/\r?\n/g, eol);
  const sections = releaseHeadings(existing);
  const same = sections.findIndex((line) => headsVersion(line.text, version));
  if (same >= 0) {
    const start = sections[same]?.start ?? 0;
    const end = sections[same + 1]?.start ?? existing.length;
    const tail = end < existing.length ? `${eol}${eol}` : eol;
    return `${existing.slice(0, start)}${block}${tail}${existing.slice(end)}`;
  }
  const first = sections[0];
  if (first) {
    return `${existing.slice(0, first.start)}${block}${eol}${eol}${existing.slice(first.start)}`;
  }
  // No release yet: the notes go after the title and whatever stands under it.
  const separator = existing.endsWith(`${eol}${eol}`) ? '' : existing.endsWith(eol) ? eol : `${eol}${eol}`;
  return `${existing}${separator}${block}${eol}`;
}

/** The `## ` heading lines of the file, outside fenced code blocks. */
function releaseHeadings(text: string): Line[] {
  const headings: Line[] = [];
  let fence: string | undefined;
  let start = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence ? undefined : marker;
    } else if (!fence && /^## /.test(line)) {
      headings.push({ text: line, start });
    }
    start += raw.length + 1;
  }
  return headings;
}

/** Whether a heading is the one of `version`: `## [1.3.0](…) (…)`, `## 1.3.0 (…)`, `## v1.3.0`. */
function headsVersion(heading: string, version: string): boolean {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^## +\\[?v?${escaped}\\]?(?=[\\s(]|$)`).test(heading);
}
