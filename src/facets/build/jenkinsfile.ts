import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Action } from '../../actions/action.js';
import { localGitDir } from '../../backends/git/local-refs.js';
import { ensureMirror, repoMirrorDir } from '../../backends/git/mirror.js';
import { proposeFile, readFileAt } from '../../backends/git/propose.js';
import { jenkinsfileDrift } from '../../backends/jenkins/drift.js';
import {
  type JenkinsCheckout,
  jenkinsCheckoutOf,
  renderJenkinsfile,
} from '../../backends/jenkins/jenkinsfile.js';
import { CodemonkeysError } from '../../errors.js';
import type { Fleet, Product } from '../../fleet/model.js';
import type { ActuateContext } from '../actuator.js';
import type { PlanContext, ProposedAction } from '../facet.js';

/** Where a product repo keeps its Jenkinsfile: the root, where Jenkins' Pipeline-from-SCM looks. */
export const JENKINSFILE_PATH = 'Jenkinsfile';
/** The branch that carries a proposed Jenkinsfile; Code Monkeys Ship owns it and rewrites it. */
export const JENKINSFILE_BRANCH = 'codemonkeys/jenkinsfile';

/**
 * How Jenkins checks a product of the fleet out: with the Jenkins credential fleet.yaml maps its
 * repo credential to (`spec.ci.jenkins.credentials`), which the generated Jenkinsfile names.
 */
export function fleetCheckout(fleet: Fleet, product: Product): JenkinsCheckout {
  return jenkinsCheckoutOf(product, fleet.fleet.manifest.spec.ci?.jenkins?.credentials);
}

/** How a Jenkins product's committed Jenkinsfile compares with the one its spec gives. */
export interface JenkinsfileObservation {
  /** missing: the branch head has none; current: the same text; drifted: another text. */
  state: 'missing' | 'current' | 'drifted';
  /** Hash of the generated Jenkinsfile (the proposal's identity). */
  expectedHash: string;
  /** For drifted: a short diff, committed against generated. */
  diff?: string;
  /** The proposal branch's head, when it exists, and whether it carries the generated file. */
  proposal: { branch: string; head?: string; carries: boolean };
}

/**
 * Reads the Jenkinsfile at the branch head and at the proposal branch's head — in place for a
 * repository on this machine, else from a mirror (fetched only when a head is new to it) — and
 * compares them with the one generated for `checkout` (fleetCheckout).
 */
export async function observeJenkinsfile(
  product: Product,
  repo: { url: string; head: string; proposalHead: string | undefined },
  mirrorDir: string,
  checkout: JenkinsCheckout = {},
): Promise<JenkinsfileObservation> {
  const expected = renderJenkinsfile(product, checkout);
  // Files at a commit never change: the same heads and the same generated text compare the same.
  const key = [repo.url, repo.head, repo.proposalHead ?? '', textHash(expected)].join('\u0000');
  const known = SEEN.get(key);
  if (known) return known;
  const observed = await compareJenkinsfile(product, expected, repo, mirrorDir, checkout);
  if (SEEN.size >= SEEN_MAX) SEEN.delete(SEEN.keys().next().value as string);
  SEEN.set(key, observed);
  return observed;
}

/** Comparisons already made in this process, oldest first (a pass of a big fleet repeats them all). */
const SEEN = new Map<string, JenkinsfileObservation>();
const SEEN_MAX = 50_000;

async function compareJenkinsfile(
  product: Product,
  expected: string,
  repo: { url: string; head: string; proposalHead: string | undefined },
  mirrorDir: string,
  checkout: JenkinsCheckout,
): Promise<JenkinsfileObservation> {
  // A repository on this machine is read in place (its heads were just read from it); others through a mirror.
  const local = await localGitDir(repo.url);
  const gitDir = local ?? (await ensureMirror(repo.url, mirrorDir, repo.head));
  const committed = await readFileAt(gitDir, repo.head, JENKINSFILE_PATH);
  const drift = jenkinsfileDrift(product, committed, checkout);
  const proposal: JenkinsfileObservation['proposal'] = { branch: JENKINSFILE_BRANCH, carries: false };
  if (repo.proposalHead !== undefined && drift.state !== 'current') {
    proposal.head = repo.proposalHead;
    if (local === undefined) await ensureMirror(repo.url, mirrorDir, repo.proposalHead);
    const proposed = await readFileAt(gitDir, repo.proposalHead, JENKINSFILE_PATH);
    proposal.carries =
      proposed !== undefined && jenkinsfileDrift(product, proposed, checkout).state === 'current';
  } else if (repo.proposalHead !== undefined) {
    proposal.head = repo.proposalHead;
  }
  const observed: JenkinsfileObservation = { state: drift.state, expectedHash: textHash(expected), proposal };
  if (drift.diff) observed.diff = drift.diff;
  return observed;
}

/**
 * `jenkinsfile.propose` when the committed Jenkinsfile is missing or differs and the proposal
 * branch does not carry the generated one yet. A proposal is made once per generated text: a
 * branch deleted after it was proposed is a "no" that holds until the spec changes.
 */
export function planJenkinsfile(
  product: Product,
  observed: { repoUrl: string; branch: string; head: string; jenkinsfile: JenkinsfileObservation },
  journal: PlanContext['journal'] | undefined,
): { action?: ProposedAction; note?: string } {
  const file = observed.jenkinsfile;
  if (file.state === 'current') return {};
  const where = `branch ${file.proposal.branch}`;
  if (file.proposal.carries) return { note: `the generated Jenkinsfile waits on ${where} for review` };
  const idempotencyKey = `jenkinsfile.propose:${product.id}:${file.expectedHash}`;
  if (journal?.(idempotencyKey)?.state === 'succeeded') {
    return { note: `the Jenkinsfile proposed on ${where} was withdrawn; change the spec to propose again` };
  }
  const what =
    file.state === 'missing'
      ? `${observed.branch} has no Jenkinsfile`
      : `the Jenkinsfile on ${observed.branch} differs from the one its spec gives (${changedLines(file.diff)})`;
  const params: Record<string, unknown> = {
    repoUrl: observed.repoUrl,
    base: observed.head,
    branch: file.proposal.branch,
    expectedHead: file.proposal.head ?? null,
    jenkinsfileHash: file.expectedHash,
  };
  if (file.diff) params.diff = file.diff;
  return {
    action: {
      kind: 'jenkinsfile.propose',
      params,
      reason: `${what}: propose the generated one on ${where}`,
      idempotencyKey,
      changeClass: 'change',
      paths: [JENKINSFILE_PATH],
    },
  };
}

interface ProposeParams {
  repoUrl: string;
  base: string;
  branch: string;
  expectedHead: string | null;
  jenkinsfileHash: string;
}

/** jenkinsfile.propose: commits the generated Jenkinsfile on top of the planned head and pushes the proposal branch. */
export async function proposeJenkinsfile(action: Action, context: ActuateContext): Promise<unknown> {
  const params = action.params as unknown as ProposeParams;
  const product = context.fleet.products.get(action.product);
  if (!product) {
    throw new CodemonkeysError(`${action.product} is no longer in the fleet`, {
      reason: 'ProductGone',
      next: 'stalled',
    });
  }
  const content = renderJenkinsfile(product, fleetCheckout(context.fleet, product));
  if (textHash(content) !== params.jenkinsfileHash) {
    // The spec changed between plan and apply: the next pass plans the new text.
    throw new CodemonkeysError(`the spec of ${product.id} changed since the plan; planning again`, {
      reason: 'PlanOutdated',
      next: 'transient',
    });
  }
  const result = await proposeFile({
    repoUrl: params.repoUrl,
    mirrorDir: repoMirrorDir(context.env),
    base: params.base,
    branch: params.branch,
    path: JENKINSFILE_PATH,
    content,
    message: commitMessage(product, params.jenkinsfileHash),
    expectedHead: params.expectedHead ?? undefined,
    workDir: join(context.stateDir, 'work'),
  });
  context.logger.info(
    { product: product.id, branch: result.branch, commit: result.commit, outcome: result.outcome },
    'jenkinsfile proposed',
  );
  return result;
}

function commitMessage(product: Product, hash: string): string {
  return [
    'ci: the Jenkinsfile generated from the build spec',
    '',
    `Code Monkeys Ship generates this Jenkinsfile from ${product.file}, the spec of`,
    `${product.id}. Merge this branch to bring the repository in line with it; to change`,
    'the build, change the spec rather than this file.',
    '',
    `codemonkeys:jenkinsfile ${hash}`,
    '',
  ].join('\n');
}

function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** "+3 −1 lines" from a short diff's changed lines. */
function changedLines(diff: string | undefined): string {
  let added = 0;
  let removed = 0;
  for (const line of (diff ?? '').split('\n')) {
    // The short diff caps each side and says how many it left out: `\ 5 more + lines not shown`.
    const hidden = /^\\ (\d+) more ([+-]) line/.exec(line);
    if (hidden) {
      if (hidden[2] === '+') added += Number(hidden[1]);
      else removed += Number(hidden[1]);
    } else if (line.startsWith('+') && !line.startsWith('+++')) added++;
    else if (line.startsWith('-') && !line.startsWith('---')) removed++;
  }
  return `+${added} −${removed} lines`;
}
