import type { Build } from './build.js';
import type { ParsedConfig } from './config-xml.js';

/** A folder (cloudbees-folder plugin) or the Jenkins root: both are item groups. */
export class Folder {
  readonly children = new Map<string, Item>();
  constructor(
    readonly name: string,
    readonly parent: Folder | null,
    public configXml: string,
    public config: ParsedConfig | null,
  ) {}

  /** Path segments from the root (`[]` for the root itself). */
  get path(): string[] {
    return this.parent ? [...this.parent.path, this.name] : [];
  }
}

/** A job; the emulator runs Pipeline jobs (`flow-definition`) and refuses to build other kinds. */
export class Job {
  readonly builds: Build[] = [];
  nextBuildNumber = 1;
  constructor(
    readonly name: string,
    readonly parent: Folder,
    public configXml: string,
    public config: ParsedConfig,
  ) {}

  get path(): string[] {
    return [...this.parent.path, this.name];
  }

  build(number: number): Build | undefined {
    return this.builds.find((build) => build.number === number);
  }
}

/** Anything at a `/job/<name>` URL. */
export type Item = Folder | Job;

/** `folder/job`, as Jenkins' `getFullName()`. */
export function fullNameOf(item: Item): string {
  return item.path.join('/');
}

/** Jenkins' `fullDisplayName`: folders joined by » (the emulator has no display names). */
export function fullDisplayNameOf(item: Item): string {
  return item.path.join(' » ');
}

/** `job/a/job/b/`: `AbstractItem.getUrl()`, each name raw-encoded (`Util.rawEncode`). */
export function relativeUrlOf(item: Item): string {
  return item.path.map((segment) => `job/${encodeURIComponent(segment)}/`).join('');
}

/** Walks `/job/a/job/b` segments from the root; undefined when any step is missing. */
export function resolveItem(root: Folder, names: string[]): Item | undefined {
  let current: Item = root;
  for (const name of names) {
    if (!(current instanceof Folder)) return undefined;
    const next: Item | undefined = current.children.get(name);
    if (!next) return undefined;
    current = next;
  }
  return current;
}

/** Every item under a folder, depth first. */
export function allItems(folder: Folder): Item[] {
  const found: Item[] = [];
  for (const child of folder.children.values()) {
    found.push(child);
    if (child instanceof Folder) found.push(...allItems(child));
  }
  return found;
}

/**
 * `Jenkins.checkGoodName` (jenkinsci/jenkins core/src/main/java/jenkins/model/Jenkins.java):
 * a name must be non-empty, not `.` or `..`, and free of control and unsafe characters.
 * Returns the message of the `Failure` (HTTP 400) Jenkins would answer with, or undefined.
 */
export function badNameMessage(name: string | null): string | undefined {
  if (name === null) return "Query parameter 'name' is required";
  const trimmed = name.trim();
  if (trimmed === '') return 'No name is specified';
  if (trimmed === '.' || trimmed === '..') return `“${trimmed}” is not an allowed name`;
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `No control code is allowed: ${ch}`;
    if ('?*/\\%!@#$^&|<>[]:;'.includes(ch)) return `‘${ch}’ is an unsafe character`;
  }
  return undefined;
}
