import { CommitParser, type ParserOptions } from 'conventional-commits-parser';
import semver from 'semver';

/** How far one commit asks to move the version. */
export type Bump = 'major' | 'minor' | 'patch';

/** A commit as read from git: full sha, full message, number of parents. */
export interface CommitInput {
  sha: string;
  message: string;
  parents: number;
}

/** A commit whose header follows Conventional Commits 1.0.0, with what it asks of the version. */
export interface ClassifiedCommit {
  sha: string;
  /** The first line as written. */
  subject: string;
  /** Lower-cased; `revert` for git's own `Revert "…"` header. */
  type: string;
  scope?: string;
  /** The header's text after `type(scope)!: ` (for git's `Revert "…"`, the reverted header). */
  description: string;
  breaking: boolean;
  /** Texts of BREAKING CHANGE / BREAKING-CHANGE footers; for a bare `!` the description. */
  breakingNotes: string[];
  /** What this commit alone asks for. */
  bump: Bump | null;
  /** A valid semver from a `Release-As: x.y.z` footer (`v` prefix stripped). */
  releaseAs?: string;
  /** The value of a `Release-As` footer that is not a version, kept so the caller can say it was ignored. */
  invalidReleaseAs?: string;
}

/** A commit left out of the release, and why. */
export interface IgnoredCommit {
  sha: string;
  subject: string;
  why: 'merge' | 'not-conventional';
}

// A type is a word (hyphens allowed), the scope anything but parentheses, and the spec requires
// ": " before a non-empty description: `feat : x`, `feat:x` and `: x` are not conventional.
const HEADER = /^([A-Za-z][\w-]*)(?:\(([^()\r\n]*)\))?: +(\S.*)$/;
const BREAKING_HEADER = /^([A-Za-z][\w-]*)(?:\(([^()\r\n]*)\))?!: +(\S.*)$/;
// The spec wants BREAKING CHANGE upper-case; the parser's own notes pattern is case-insensitive.
const BREAKING_NOTE = (keywords: string) => new RegExp(`^(${keywords}):[ \\t]*(.*)$`);
const MERGE_HEADER = /^Merge (?:(?:remote-tracking )?branch(?:es)?|pull request|tag|commit|remote)\b/i;
// Any later footer (`Token: value`, `Token #value`) ends a breaking-change note.
const FOOTER_TOKEN = /^(?:[A-Za-z][\w-]*|BREAKING CHANGE)(?:: | #)/;
const RELEASE_AS = /^release-as:[ \t]*(.*?)[ \t]*$/i;

const PARSER_OPTIONS: ParserOptions = {
  headerPattern: HEADER,
  breakingHeaderPattern: BREAKING_HEADER,
  headerCorrespondence: ['type', 'scope', 'subject'],
  noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
  notesPattern: BREAKING_NOTE,
  // git's own header, with or without the "This reverts commit" line under it.
  revertPattern: /^Revert "(.*)"[ \t]*(?:\r?\n|$)(?:[\s\S]*?This reverts commit ([0-9a-fA-F]+))?/,
  revertCorrespondence: ['header', 'hash'],
  // Merges are recognised before parsing; the parser must not read the line after one as a header.
  mergePattern: undefined,
  // The default /^-(.*?)-$/ makes a `---` line swallow the rest of the message into a "field".
  fieldPattern: undefined,
  // References end a note early in the parser and are not used here.
  issuePrefixes: undefined,
};

const parser = new CommitParser(PARSER_OPTIONS);

/** Splits commits into those that follow Conventional Commits and those left out (merges, others); never throws. */
export function classifyCommits(commits: readonly CommitInput[]): {
  commits: ClassifiedCommit[];
  ignored: IgnoredCommit[];
} {
  const classified: ClassifiedCommit[] = [];
  const ignored: IgnoredCommit[] = [];
  for (const commit of commits) {
    const subject = firstLine(commit.message);
    if (commit.parents > 1 || MERGE_HEADER.test(subject)) {
      ignored.push({ sha: commit.sha, subject, why: 'merge' });
      continue;
    }
    const result = classifyMessage(commit.sha, subject, commit.message);
    if (result) classified.push(result);
    else ignored.push({ sha: commit.sha, subject, why: 'not-conventional' });
  }
  return { commits: classified, ignored };
}

function classifyMessage(sha: string, subject: string, message: string): ClassifiedCommit | undefined {
  if (!message.trim()) return undefined;
  let parsed: ReturnType<CommitParser['parse']>;
  try {
    parsed = parser.parse(message);
  } catch {
    return undefined;
  }
  const revert = parsed.revert?.header;
  const type = parsed.type?.toLowerCase() ?? (typeof revert === 'string' ? 'revert' : undefined);
  if (!type) return undefined;
  const description = (parsed.type ? (parsed.subject ?? '') : (revert ?? '')).trim();
  const breakingNotes = parsed.notes.map((note) => noteText(note.text, description));
  const breaking = breakingNotes.length > 0;
  const result: ClassifiedCommit = {
    sha,
    subject,
    type,
    description,
    breaking,
    breakingNotes,
    bump: bumpOf(type, breaking),
  };
  if (parsed.scope) result.scope = parsed.scope;
  Object.assign(result, releaseAsOf(message));
  return result;
}

function bumpOf(type: string, breaking: boolean): Bump | null {
  if (breaking) return 'major';
  if (type === 'feat') return 'minor';
  if (type === 'fix' || type === 'perf' || type === 'revert') return 'patch';
  return null;
}

/** A note's text up to the next footer; a note with no text of its own reads as the description. */
function noteText(text: string, description: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (lines.length > 0 && FOOTER_TOKEN.test(line)) break;
    lines.push(line);
  }
  const trimmed = lines.join('\n').trim();
  return trimmed || description;
}

/** The highest valid `Release-As` of the message, or the first value that is not a version. */
function releaseAsOf(message: string): Pick<ClassifiedCommit, 'releaseAs' | 'invalidReleaseAs'> {
  let releaseAs: string | undefined;
  let invalid: string | undefined;
  for (const line of message.split(/\r?\n/).slice(1)) {
    const value = RELEASE_AS.exec(line)?.[1];
    if (value === undefined) continue;
    const version = semver.valid(value.replace(/^v/i, ''));
    if (!version) invalid ??= value;
    else if (!releaseAs || semver.gt(version, releaseAs)) releaseAs = version;
  }
  if (releaseAs) return { releaseAs };
  return invalid === undefined ? {} : { invalidReleaseAs: invalid };
}

function firstLine(message: string): string {
  return message.replace(/^[\r\n]+/, '').split(/\r?\n/, 1)[0] ?? '';
}
