import type { ClassifiedCommit } from './commits.js';

/** What the release notes of one version are written from. */
export interface NotesInput {
  version: string;
  tag: string;
  previousTag?: string;
  /** YYYY-MM-DD, given (the caller owns the clock). */
  date: string;
  commits: readonly ClassifiedCommit[];
  /** The product repo URL as the spec writes it. */
  repoUrl: string;
}

/** Links into a repository's web pages. */
export interface WebUrls {
  commit(sha: string): string;
  compare(from: string, to: string): string;
}

/** The sections listed after the breaking changes, in order; other types are not listed. */
const SECTIONS: ReadonlyArray<readonly [type: string, title: string]> = [
  ['feat', 'Features'],
  ['fix', 'Bug Fixes'],
  ['perf', 'Performance Improvements'],
  ['revert', 'Reverts'],
];

/** The Markdown release notes of one version: breaking changes first, then features, fixes, performance, reverts. */
export function releaseNotes(input: NotesInput): string {
  const web = webUrlOf(input.repoUrl);
  const blocks = [headingOf(input, web)];
  const breaking: string[] = [];
  for (const commit of input.commits) {
    if (!commit.breaking) continue;
    for (const note of commit.breakingNotes) breaking.push(itemOf(commit, note, web));
  }
  if (breaking.length > 0) blocks.push(`### ⚠ BREAKING CHANGES\n\n${breaking.join('\n')}`);
  for (const [type, title] of SECTIONS) {
    const items = input.commits
      .filter((commit) => commit.type === type)
      .map((commit) => itemOf(commit, commit.description, web));
    if (items.length > 0) blocks.push(`### ${title}\n\n${items.join('\n')}`);
  }
  return `${blocks.join('\n\n')}\n`;
}

/**
 * Commit and compare links for a repository URL on github.com, gitlab.com or a Gitea-style host
 * (https, http, ssh:// and scp-like `git@host:owner/repo.git`); undefined for local paths and
 * file:// URLs. Credentials never reach a link; an ssh port is dropped (the web runs on https).
 */
export function webUrlOf(repoUrl: string): WebUrls | undefined {
  const base = webBaseOf(repoUrl.trim());
  if (!base) return undefined;
  const root = `${base.origin}/${base.path}${isGitLab(base.host) ? '/-' : ''}`;
  return {
    commit: (sha) => `${root}/commit/${sha}`,
    compare: (from, to) => `${root}/compare/${encodeRef(from)}...${encodeRef(to)}`,
  };
}

function headingOf(input: NotesInput, web: WebUrls | undefined): string {
  const date = escapeText(input.date);
  if (!web || input.previousTag === undefined) return `## ${input.version} (${date})`;
  return `## [${input.version}](${web.compare(input.previousTag, input.tag)}) (${date})`;
}

/** `* **scope:** text ([abc1234](link))`; the later lines of a text stay inside the item. */
function itemOf(commit: ClassifiedCommit, text: string, web: WebUrls | undefined): string {
  const scope = commit.scope ? `**${escapeText(commit.scope).replace(/\*/g, '\\*')}:** ` : '';
  const short = commit.sha.slice(0, 7);
  const ref = web ? `([${short}](${web.commit(commit.sha)}))` : `(${short})`;
  const lines = text
    .split(/\r?\n/)
    .map((line, index) => (index === 0 || line.trim() === '' ? escapeText(line) : `  ${escapeText(line)}`));
  return `* ${scope}${lines.join('\n').trimEnd()} ${ref}`;
}

/** Makes commit text safe to render: controls shown escaped, tabs as spaces, no raw HTML. */
function escapeText(text: string): string {
  let safe = '';
  for (const char of text.replace(/\t/g, ' ').replace(/\r/g, '')) {
    const code = char.codePointAt(0) ?? 0;
    safe += isUnsafe(code) ? escapeCodePoint(code) : char;
  }
  return safe.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * C0 and C1 controls (newlines are split off before) and the characters that make text read
 * differently from what it is: line separators, bidirectional overrides and isolates ("Trojan Source").
 */
function isUnsafe(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x0a) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function escapeCodePoint(code: number): string {
  const hex = code.toString(16).toUpperCase();
  return code <= 0xff ? `\\x${hex.padStart(2, '0')}` : `\\u${hex.padStart(4, '0')}`;
}

function webBaseOf(url: string): { origin: string; host: string; path: string } | undefined {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return fromUrl(url);
  // scp-like `[user@]host:path`; a bare `host:path` only when the host looks like one (not `C:\…`).
  const scp = /^(?:([^@/\\\s]+)@)?([^:/\\\s]+):(?!\/)([^\\\s]+)$/.exec(url);
  if (!scp) return undefined;
  const [, user, host = '', path = ''] = scp;
  if (host.length < 2 || (!user && !host.includes('.'))) return undefined;
  return withPath(`https://${host.toLowerCase()}`, host.toLowerCase(), path);
}

function fromUrl(url: string): { origin: string; host: string; path: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.toLowerCase();
  if (!host) return undefined;
  if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
    // host keeps the port and leaves out user:password.
    return withPath(`${parsed.protocol}//${parsed.host.toLowerCase()}`, host, parsed.pathname);
  }
  if (['ssh:', 'git+ssh:', 'ssh+git:', 'git:'].includes(parsed.protocol)) {
    return withPath(`https://${host}`, host, parsed.pathname);
  }
  return undefined;
}

function withPath(
  origin: string,
  host: string,
  rawPath: string,
): { origin: string; host: string; path: string } | undefined {
  const path = rawPath
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  if (path.split('/').filter(Boolean).length < 2) return undefined;
  return { origin, host, path };
}

function isGitLab(host: string): boolean {
  return host === 'gitlab.com' || host === 'www.gitlab.com';
}

/** A tag as a URL path segment: `/` and `@` stay readable, what would end a Markdown link or a path does not. */
function encodeRef(ref: string): string {
  return encodeURI(ref).replace(/[()#?]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
