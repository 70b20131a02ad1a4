import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type { FleetFiles } from './source.js';

/** Where a fleet directory sits in git: its repository's directories and the path below the work tree's root. */
export interface WorkTreePlace {
  /** The work tree's git directory (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
  gitDir: string;
  /** Where refs, config and objects live (the git directory itself, or the main one's for a linked worktree). */
  commonDir: string;
  /** The fleet directory's path below the work tree's root (`git rev-parse --show-prefix`). */
  prefix: string;
}

/** A file changed this recently may change again within the same timestamp (git's "racy" files). */
export const RACY_MS = 1000;
/** Beyond this many entries under the fleet directory, stat-ing them all is no cheaper than git. */
export const MAX_ENTRIES = 20_000;

/**
 * What a loop read of its fleet work tree last time, kept while nothing `git status` or the read
 * depends on has changed, as stat(2) tells: the files under the fleet directory (names, inode,
 * size, modification and change times), HEAD and the ref it names, the index, the repository's
 * config and exclude files, the global git config and ignore files, and the .gitignore and
 * .gitattributes of the folders above. A loop's pass otherwise spawns `git rev-parse` and
 * `git status` to learn what the pass before learnt (~15 ms of a pass over 200 products).
 * Stats are taken before git is asked and the files are read, so a change during the read shows
 * in the next pass; nothing is kept while any of it changed within RACY_MS, as a write in the
 * same clock tick would leave the same times. Not watched: a `core.excludesFile` set to a
 * non-default path (a change there that makes a file ignored or not shows at the next change).
 */
export class WorkTreeMemo {
  readonly #now: () => number;
  readonly #maxEntries: number;
  /** Folders found to hold more than maxEntries: not walked again (git is asked every time). */
  readonly #tooMany = new Set<string>();
  #last: { dir: string; place: WorkTreePlace; print: string; files: FleetFiles } | undefined;

  constructor(options: { now?: () => number; maxEntries?: number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? MAX_ENTRIES;
  }

  /** The files read last time from `dir`, if nothing they depend on changed since. */
  unchanged(dir: string, env: NodeJS.ProcessEnv): FleetFiles | undefined {
    const last = this.#last;
    if (!last || last.dir !== dir) return undefined;
    const print = this.print(dir, last.place, env);
    if (print !== undefined && print === last.print) return last.files;
    this.#last = undefined;
    return undefined;
  }

  /** workTreePrint by this memo's clock. */
  print(dir: string, place: WorkTreePlace, env: NodeJS.ProcessEnv): string | undefined {
    if (this.#tooMany.has(dir)) return undefined;
    const print = workTreePrint(dir, place, env, this.#now(), this.#maxEntries);
    if (print !== TOO_MANY) return print;
    this.#tooMany.add(dir);
    return undefined;
  }

  /** Keeps what was read after `print` was taken (undefined: nothing to keep). */
  remember(dir: string, place: WorkTreePlace, print: string | undefined, files: FleetFiles): void {
    this.#last = print === undefined ? undefined : { dir, place, print, files };
  }
}

/** What workTreePrint gives for a folder holding more than its limit of entries. */
export const TOO_MANY: unique symbol = Symbol('too many entries');

/**
 * The stats `git status` of `dir` and a read of its files depend on, as one text; undefined when
 * they cannot all be taken or changed too recently to vouch for; TOO_MANY past `maxEntries`.
 */
export function workTreePrint(
  dir: string,
  place: WorkTreePlace,
  env: NodeJS.ProcessEnv,
  now: number = Date.now(),
  maxEntries: number = MAX_ENTRIES,
): string | undefined | typeof TOO_MANY {
  const lines: string[] = [];
  let newest = 0;
  const add = (label: string, stats: Stats | undefined): void => {
    if (stats === undefined) {
      lines.push(`${label}\0-`);
      return;
    }
    newest = Math.max(newest, stats.mtimeMs, stats.ctimeMs);
    const kind = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'l' : stats.isFile() ? 'f' : 'o';
    lines.push(`${label}\0${kind}\0${stats.ino}\0${stats.size}\0${stats.mtimeMs}\0${stats.ctimeMs}`);
  };
  try {
    const head = readFileSync(join(place.gitDir, 'HEAD'), 'utf8');
    lines.push(`HEAD\0${head}`);
    const symbolic = /^ref: (refs\/\S+)\s*$/.exec(head);
    if (symbolic) add('ref', stat(join(place.commonDir, ...(symbolic[1] as string).split('/'))));
    for (const file of ['packed-refs', 'config', join('info', 'exclude'), join('info', 'attributes')])
      add(file, stat(join(place.commonDir, file)));
    add('index', stat(join(place.gitDir, 'index')));
    add('config.worktree', stat(join(place.gitDir, 'config.worktree')));
    for (const file of globalGitFiles(env)) add(file, stat(file));
    // The folders from the work tree's root down to the fleet directory: their ignore and attribute files.
    const depth = place.prefix.split('/').filter((part) => part !== '').length;
    let above = dir;
    for (let level = 0; level < depth; level++) {
      above = resolve(above, '..');
      for (const file of ['.gitignore', '.gitattributes']) add(join(above, file), stat(join(above, file)));
    }
    const visit = (path: string, stats: Stats) => add(relative(dir, path).split(sep).join('/'), stats);
    if (!walk(dir, maxEntries, visit)) return TOO_MANY;
  } catch {
    return undefined;
  }
  return now - newest < RACY_MS ? undefined : lines.join('\n');
}

/** Every entry below `dir` but `.git`, with its lstat; false past `maxEntries`. */
function walk(dir: string, maxEntries: number, visit: (path: string, stats: Stats) => void): boolean {
  const folders = [dir];
  let count = 0;
  visit(dir, lstatSync(dir));
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    const names = readdirSync(folder).sort();
    for (const name of names) {
      if (name === '.git') continue;
      if (++count > maxEntries) return false;
      const path = join(folder, name);
      const stats = lstatSync(path);
      visit(path, stats);
      if (stats.isDirectory()) folders.push(path);
    }
  }
  return true;
}

/** The system and global config and ignore files git reads by default (git-config(1), gitignore(5)). */
function globalGitFiles(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? homedir();
  const xdg = env.XDG_CONFIG_HOME || join(home, '.config');
  return [
    env.GIT_CONFIG_SYSTEM || '/etc/gitconfig',
    env.GIT_CONFIG_GLOBAL || join(home, '.gitconfig'),
    join(xdg, 'git', 'config'),
    join(xdg, 'git', 'ignore'),
    join(xdg, 'git', 'attributes'),
  ];
}

function stat(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}
