import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProductResult } from '../../src/engine/product.js';
import type { ReconcileResult } from '../../src/engine/reconcile.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore } from '../../src/store/sqlite.js';
import type { AuditEntry, Condition, JournalEntry } from '../../src/store/store.js';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator } from '../emulators/jenkins/index.js';
import { runCli } from '../helpers/cli.js';
import type { FleetRepo } from '../helpers/fleet-repo.js';
import {
  createJenkinsFleet,
  JENKINS_TOKEN_VARIABLE,
  reconcileJenkinsFleet,
  useEmulatedJenkins,
} from '../helpers/jenkins-fleet.js';

const TOKEN = DEFAULT_JENKINS_USER.apiToken;
const BUILD_POST = { method: 'POST', path: /\/buildWithParameters$/ };

let jenkins: JenkinsEmulator;
const repos: FleetRepo[] = [];
useEmulatedJenkins(repos, (started) => {
  jenkins = started;
});

/** A fleet of one product, acme/widget, whose build takes `seconds` on the emulated Jenkins. */
async function fleet(folder: string, seconds = 0): Promise<FleetRepo> {
  const steps = ['test -f README.md', ...(seconds > 0 ? [`sleep ${seconds}`] : []), 'echo built on jenkins'];
  const repo = await createJenkinsFleet(jenkins, {
    folder,
    products: [{ org: 'acme', name: 'widget', steps }],
  });
  repos.push(repo);
  return repo;
}

/** Short, recorded backoff: the n-th retry after 40·n ms, so a test waits tenths of a second, not minutes. */
function fastBackoff() {
  const attempts: number[] = [];
  return {
    attempts,
    backoff: (attempt: number) => {
      attempts.push(attempt);
      // Doubling, as the default does: six tries outlast an outage of a few seconds.
      return 50 * 2 ** attempt;
    },
  };
}

/** Builds of acme/widget in a folder, by the commit they built. */
function buildsByCommit(folder: string): Record<string, string[]> {
  const job = jenkins.jobs().find((item) => item.fullName === `${folder}/acme/widget`);
  const byCommit: Record<string, string[]> = {};
  for (const build of job?.builds ?? []) {
    const commit = build.parameters.COMMIT ?? '?';
    byCommit[commit] = [...(byCommit[commit] ?? []), build.result ?? 'RUNNING'];
  }
  return byCommit;
}

function condition(of: ProductResult | ReconcileResult, type: Condition['type']): Condition | undefined {
  const conditions = 'product' in of ? of.conditions : of.conditions.get('acme/widget');
  return conditions?.find((each) => each.type === type);
}

/** What the state database says after the loop: the journal and the audit log of acme/widget. */
function state(repo: FleetRepo): { journal: JournalEntry[]; audit: AuditEntry[] } {
  const store = openStore(join(repo.fleetDir, '.codemonkeys/state.db'), { readonly: true });
  try {
    return {
      journal: store.journal({ product: 'acme/widget' }),
      audit: store.audit({ product: 'acme/widget' }),
    };
  } finally {
    store.close();
  }
}

function requestsTo(path: RegExp, method = 'POST') {
  return jenkins.requests.filter((request) => request.method === method && path.test(request.path));
}

describe('a reconcile against a Jenkins that struggles', () => {
  it('waits out a 429 for its Retry-After, then builds once and converges', async () => {
    const repo = await fleet('limited');
    jenkins.resetRequestLog();
    jenkins.failNext(2, 429, { ...BUILD_POST, retryAfterSeconds: 1 });
    const passes: ProductResult[] = [];
    const result = await reconcileJenkinsFleet(repo, TOKEN, {
      onReconciled: (product) => passes.push(product),
    });

    expect(result.converged).toBe(true);
    expect(condition(result, 'Ready')?.status).toBe('True');
    const triggers = result.executed.filter((action) => action.kind === 'build.trigger');
    expect(triggers.map((action) => action.outcome)).toEqual(['failed', 'failed', 'succeeded']);
    expect(triggers[0]?.detail).toMatch(/rate-limiting starting a build \(HTTP 429\)/);
    // While it waited, the product was reconciling (backing off), never stalled.
    const waiting = passes.filter((pass) => condition(pass, 'Reconciling')?.reason === 'BackingOff');
    expect(waiting.length).toBeGreaterThan(0);
    expect(passes.every((pass) => condition(pass, 'Stalled')?.status !== 'True')).toBe(true);
    // Each retry came after the Retry-After second, not before.
    const posts = requestsTo(/\/buildWithParameters$/);
    expect(posts.map((request) => request.status)).toEqual([429, 429, 201]);
    for (const [index, post] of posts.slice(1).entries())
      expect(post.at - (posts[index]?.at ?? 0)).toBeGreaterThanOrEqual(1_000);
    const failures = state(repo).audit.filter((entry) => entry.type === 'action.failed');
    expect(failures.map((entry) => (entry.data as { error: { next: string } }).error.next)).toEqual([
      'waiting',
      'waiting',
    ]);
    expect(Object.values(buildsByCommit('limited'))).toEqual([['SUCCESS']]);
  });

  it('lets `codemonkeys reconcile` exit 0 when a rate-limited trigger succeeded on its retry', async () => {
    const repo = await fleet('limited-cli');
    jenkins.failNext(1, 429, { ...BUILD_POST, retryAfterSeconds: 1 });
    const run = await runCli(['--fleet', repo.fleetDir, 'reconcile'], {
      cwd: repo.root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', [JENKINS_TOKEN_VARIABLE]: TOKEN },
    });
    expect(run.stdout).toMatch(/build\.trigger\s+acme\/widget\s+failed/);
    expect(run.stdout).toMatch(/build\.trigger\s+acme\/widget\s+succeeded/);
    expect(run.exitCode).toBe(0);
  });

  it('retries 503s with backoff, on observing and on acting, then builds once and converges', async () => {
    const repo = await fleet('unavailable');
    jenkins.resetRequestLog();
    jenkins.failNext(2, 503);
    jenkins.failNext(2, 503, BUILD_POST);
    const { attempts, backoff } = fastBackoff();
    const passes: ProductResult[] = [];
    const result = await reconcileJenkinsFleet(repo, TOKEN, {
      backoff,
      onReconciled: (product) => passes.push(product),
    });

    expect(result.converged).toBe(true);
    expect(condition(result, 'Ready')?.status).toBe('True');
    // Two observations failed: nothing was planned, and the loop retried with growing delays.
    expect(passes[0]?.status.facets.build).toMatchObject({ state: 'error', next: 'transient' });
    // Then the build request failed twice and the executor backed off after attempts 1 and 2.
    expect(attempts).toEqual([1, 2, 1, 2]);
    const triggers = result.executed.filter((action) => action.kind === 'build.trigger');
    expect(triggers.map((action) => action.outcome)).toEqual(['failed', 'failed', 'succeeded']);
    const journal = state(repo).journal.find((entry) => entry.kind === 'build.trigger');
    expect(journal).toMatchObject({ state: 'succeeded', attempts: 3 });
    expect(requestsTo(/\/buildWithParameters$/).map((request) => request.status)).toEqual([503, 503, 201]);
    expect(passes.every((pass) => condition(pass, 'Stalled')?.status !== 'True')).toBe(true);
    expect(Object.values(buildsByCommit('unavailable'))).toEqual([['SUCCESS']]);
  });

  it('rides out Jenkins going down mid-reconcile: nothing stalls, and each commit builds once', async () => {
    const repo = await fleet('outage', 1);
    const { backoff } = fastBackoff();
    const passes: ProductResult[] = [];
    let second = '';
    const outage = { began: 0, ended: 0 };
    const result = await reconcileJenkinsFleet(repo, TOKEN, {
      backoff,
      onReconciled: (product) => {
        passes.push(product);
        // Right after the first build is queued, Jenkins goes away; a new commit lands meanwhile.
        if (passes.length !== 1) return;
        outage.began = Date.now();
        void jenkins.goDown();
        void repo.commitToProduct('acme', 'widget', 'CHANGES.md', 'a second commit\n').then((commit) => {
          second = commit;
        });
        setTimeout(() => {
          outage.ended = Date.now();
          void jenkins.comeBack();
        }, 1_500);
      },
    });

    expect(result.converged).toBe(true);
    expect(outage.ended).toBeGreaterThan(outage.began);
    expect(condition(result, 'Ready')?.status).toBe('True');
    const down = passes.filter((pass) => pass.status.facets.build?.reason === 'JenkinsUnavailable');
    expect(down.length).toBeGreaterThan(0);
    expect(passes.every((pass) => condition(pass, 'Stalled')?.status !== 'True')).toBe(true);
    const { journal } = state(repo);
    expect(journal.filter((entry) => entry.state === 'failed' && entry.retryAt === null)).toEqual([]);
    const builds = buildsByCommit('outage');
    expect(Object.keys(builds)).toHaveLength(2);
    // A build that did not pass shows its console: a failure here once, under a loaded CI run, never since.
    const consoles = jenkins
      .jobs()
      .find((item) => item.fullName === 'outage/acme/widget')
      ?.builds.filter((build) => build.result !== 'SUCCESS')
      .map((build) => `#${build.number} ${build.result}:\n${build.log}`);
    expect(builds[second], consoles?.join('\n')).toEqual(['SUCCESS']);
    expect(Object.values(builds), consoles?.join('\n')).toEqual([['SUCCESS'], ['SUCCESS']]);
  });

  it('stalls on a refused token, naming the user and the variable, with the token nowhere in status, audit or logs', async () => {
    const repo = await fleet('refused');
    const revoked = 'revoked-7d41c2a9e0b3-token';
    const lines: string[] = [];
    const logger = createLogger({
      level: 'trace',
      pretty: false,
      stream: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const result = await reconcileJenkinsFleet(repo, revoked, { logger, backoff: fastBackoff().backoff });

    expect(result.converged).toBe(true);
    const stalled = condition(result, 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'JenkinsUnauthorized' });
    expect(stalled?.message).toContain(
      `check user ${DEFAULT_JENKINS_USER.name} and the API token in environment variable ${JENKINS_TOKEN_VARIABLE}`,
    );
    expect(Object.keys(buildsByCommit('refused'))).toEqual([]);
    expect(lines.length).toBeGreaterThan(0);
    const stateDir = join(repo.fleetDir, '.codemonkeys');
    const everything = [
      JSON.stringify(result),
      JSON.stringify(state(repo)),
      ...lines,
      ...readdirSync(stateDir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1')),
    ].join('\n');
    expect(everything).not.toContain(revoked);
    expect(everything).not.toContain(
      Buffer.from(`${DEFAULT_JENKINS_USER.name}:${revoked}`).toString('base64'),
    );
  });
});
