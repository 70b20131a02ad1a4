import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isScpLike, resolveRepoUrl } from '../../backends/git/remote.js';
import { type BuildNotification, parseJenkinsNotification } from '../../backends/jenkins/notifications.js';
import type { Fleet } from '../../fleet/model.js';
import type { JenkinsEvent, PushEvent } from './events.js';

/**
 * One spelling for every way of writing a repository's address, so that they compare equal:
 * `https://GitHub.com/Acme/Widget.git`, `git@github.com:Acme/Widget.git`,
 * `ssh://git@github.com:22/Acme/Widget`… all give `github.com/Acme/Widget`: the host lower-cased,
 * without user or port (one repository is served on several ports, one per protocol), the path
 * as written (servers differ on its case) without `.git` or trailing slashes. A local repository
 * (a path, or a `file://` URL) gives its absolute path, a relative one resolved from `root` (the
 * fleet root), without a trailing `/.git`. Undefined for what cannot be read as either.
 */
export function repositoryKey(url: string, root: string): string | undefined {
  const resolved = resolveRepoUrl(url.trim(), root);
  if (/^file:/i.test(resolved)) return fileKey(resolved);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(resolved)) return remoteKey(resolved);
  if (isScpLike(resolved)) return scpKey(resolved);
  return localKey(resolved);
}

function remoteKey(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return hostKey(parsed.hostname, decodePath(parsed.pathname));
}

/** `[user@]host:path`, git's scp-like ssh address. */
function scpKey(address: string): string | undefined {
  const colon = address.indexOf(':');
  const host = address.slice(0, colon).split('@').at(-1) ?? '';
  return hostKey(host, address.slice(colon + 1));
}

function hostKey(host: string, path: string): string | undefined {
  const trimmed = trimSlashes(path).replace(/\.git$/i, '');
  const repoPath = trimSlashes(trimmed);
  if (host === '' || repoPath === '') return undefined;
  return `${host.toLowerCase()}/${repoPath}`;
}

function fileKey(url: string): string | undefined {
  try {
    return localKey(fileURLToPath(url));
  } catch {
    return undefined; // file://host/… names another machine's file
  }
}

/** `resolve` drops trailing slashes and `..`; a work tree's `.git` directory stands for the work tree. */
function localKey(path: string): string {
  return resolve(path).replace(/\/\.git$/, '') || '/';
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Whom a push concerns: products by id (sorted), and whether it went to the fleet repo itself. */
export interface WebhookMatch {
  products: string[];
  fleet: boolean;
}

/** Maps authenticated events to the fleet: the webhook routes ask it, the daemon builds it. */
export interface WebhookMatcher {
  /** The products whose repository the push went to, and whether it went to the fleet repo. */
  push(event: PushEvent): WebhookMatch;
  /** The notification of a build of one of the fleet's products (any phase); undefined for any other job. */
  jenkins(event: JenkinsEvent): BuildNotification | undefined;
}

export interface FleetMatcherOptions {
  fleet: Fleet;
  /** The directory relative repository paths resolve from: the fleet root. */
  root: string;
  /** The fleet repo's own addresses (its remote URLs, its web URL, its directory). */
  fleetRepo?: readonly string[];
}

/**
 * The matcher of one fleet revision: a product matches a push when its `spec.repo.url` and one
 * of the push's URLs have the same `repositoryKey`; a Jenkins job matches through
 * `parseJenkinsNotification` under the fleet's `spec.ci.jenkins.folder`. Build a new one when
 * the fleet is reloaded.
 */
export function createFleetMatcher(options: FleetMatcherOptions): WebhookMatcher {
  const { fleet, root } = options;
  const productsByRepo = new Map<string, string[]>();
  for (const [id, product] of fleet.products) {
    const key = repositoryKey(product.manifest.spec.repo.url, root);
    if (key !== undefined) productsByRepo.set(key, [...(productsByRepo.get(key) ?? []), id]);
  }
  const fleetKeys = new Set(keysOf(options.fleetRepo ?? [], root));
  const folder = fleet.fleet.manifest.spec.ci?.jenkins?.folder;
  return {
    push(event) {
      const keys = keysOf(event.repositoryUrls, root);
      const products = new Set(keys.flatMap((key) => productsByRepo.get(key) ?? []));
      return { products: [...products].sort(), fleet: keys.some((key) => fleetKeys.has(key)) };
    },
    jenkins(event) {
      const notification = parseJenkinsNotification(event.body, folder);
      return notification && fleet.products.has(notification.product) ? notification : undefined;
    },
  };
}

function keysOf(urls: readonly string[], root: string): string[] {
  const keys: string[] = [];
  for (const url of urls) {
    const key = repositoryKey(url, root);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}
