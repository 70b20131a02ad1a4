import { commitsBetween } from '../../backends/git/history.js';
import { ensureMirror, repoMirrorDir } from '../../backends/git/mirror.js';
import { branchHeads, branchNotFound, resolveRepoUrl } from '../../backends/git/remote.js';
import { type Release, releases, tagFormatOf, tagOf } from '../../backends/git/tags.js';
import type { CiBackendName, Product } from '../../fleet/model.js';
import { ciService } from '../build/ci.js';
import { ciOf } from '../build/observe.js';
import { buildWord } from '../build/plan.js';
import type { ObserveContext } from '../facet.js';
import { type ClassifiedCommit, classifyCommits, type IgnoredCommit } from './commits.js';
import { type ReleaseLine, readLine } from './line.js';
import { type NextVersion, nextVersion } from './next-version.js';
import { releaseNotes } from './notes.js';
import { releaseOptions } from './options.js';

/** What the release facet sees of a product: its releases, the commits since, and what comes next. */
export interface ReleaseObservation {
  /** The CI backend the product builds on. */
  ci: CiBackendName;
  repoUrl: string;
  branch: string;
  head: string;
  /** The tag format with `{name}` filled in. */
  tagFormat: string;
  /** The newest stable release reachable from the head. */
  current?: Release;
  /** The newest release of the line reachable from the head (a prerelease of the channel, or current): what is published. */
  latest?: Release;
  /** The commits since `current` (touching `release.path`), newest first. */
  commits: ClassifiedCommit[];
  ignored: IgnoredCommit[];
  next: NextVersion;
  /** The release to cut, when there is one: its tag, its notes, and a tag of that name already there. */
  cut?: { version: string; tag: string; notes: string; existing?: Release };
  /** The build of the head and of `latest`'s commit, by commit: green, red, running, none. */
  builds: Record<string, string>;
}

/** Reads the product's release tags and the commits since the last release, and works out the next version. */
export async function observeRelease(product: Product, context: ObserveContext): Promise<ReleaseObservation> {
  const spec = product.manifest.spec;
  const repoUrl = resolveRepoUrl(spec.repo.url, context.fleetDir);
  const branch = spec.release?.branch ?? spec.repo.branch ?? 'main';
  const head = (await branchHeads(repoUrl, [branch])).get(branch);
  if (head === undefined) throw branchNotFound(repoUrl, branch);
  const gitDir = await ensureMirror(repoUrl, repoMirrorDir(context.env), head);
  const tagFormat = tagFormatOf(product);
  const options = releaseOptions(product);
  const all = await releases(repoUrl, tagFormat);
  const line = await readLine(gitDir, head, all, options.prerelease);
  const found = await readCommits(gitDir, head, line, spec.release?.path);
  const next = nextVersion({ ...found, current: line.current?.version, options });
  const observed: ReleaseObservation = {
    ci: ciOf(product, context),
    repoUrl,
    branch,
    head,
    tagFormat,
    commits: found.commits,
    ignored: found.ignored,
    next,
    builds: await buildWords(product, context, [head, line.latest?.commit]),
  };
  if (line.current) observed.current = line.current;
  if (line.latest) observed.latest = line.latest;
  if (next.next !== null) {
    const tag = tagOf(next.next, tagFormat);
    const notes = releaseNotes({
      version: next.next,
      tag,
      previousTag: line.latest?.tag,
      date: context.now.toISOString().slice(0, 10),
      commits: found.commits.filter((commit) => !found.prereleased.has(commit.sha)),
      repoUrl: spec.repo.url,
    });
    const existing = all.find((release) => release.tag === tag);
    observed.cut = existing
      ? { version: next.next, tag, notes, existing }
      : { version: next.next, tag, notes };
  }
  return observed;
}

async function readCommits(gitDir: string, head: string, line: ReleaseLine, path: string | undefined) {
  const since = await commitsBetween(gitDir, line.current?.commit, head, path);
  const { commits, ignored } = classifyCommits(since);
  const prereleased = new Set<string>();
  if (line.channelLatest) {
    const shipped = await commitsBetween(gitDir, line.current?.commit, line.channelLatest.commit, path);
    for (const commit of shipped) prereleased.add(commit.sha);
  }
  return { commits, ignored, prereleased, channelVersions: line.channelVersions };
}

/** The build word of each commit on the product's CI backend (none without a build block). */
async function buildWords(
  product: Product,
  context: ObserveContext,
  commits: readonly (string | undefined)[],
): Promise<Record<string, string>> {
  const words: Record<string, string> = {};
  const backend = context.services.get(ciService).get(ciOf(product, context));
  for (const commit of commits) {
    if (commit === undefined || commit in words) continue;
    const build =
      product.manifest.spec.build && backend ? await backend.observe(product.id, commit) : undefined;
    words[commit] = buildWord(build);
  }
  return words;
}
