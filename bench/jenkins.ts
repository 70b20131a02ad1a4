import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import { branchHead, resolveRepoUrl } from '../src/backends/git/remote.js';
import { JenkinsCi } from '../src/backends/jenkins/ci.js';
import { JenkinsApi } from '../src/backends/jenkins/client.js';
import { reconcile } from '../src/engine/reconcile.js';
import { loadFleet } from '../src/fleet/load.js';
import type { Product } from '../src/fleet/model.js';
import { createLogger } from '../src/log/logger.js';
import { DEFAULT_JENKINS_USER } from '../test/emulators/jenkins/index.js';
import { TEST_NOW, testClock } from '../test/helpers/clock.js';
import { createFleetRepo, DEFAULT_CONSTITUTION, type FleetRepo } from '../test/helpers/fleet-repo.js';
import { peakRssMiB, printTable } from './harness.js';
import { startJenkinsProcess } from './jenkins-process.js';

const PRODUCTS = Number(process.env.BENCH_JENKINS_PRODUCTS ?? 200);
/** Rounds of both runs, in alternating order: the machine's load moves between runs. */
const ROUNDS = Number(process.env.BENCH_JENKINS_ROUNDS ?? 8);
/** Executors of the emulated Jenkins, and the reconciler's concurrency (its per-backend limit for Jenkins). */
const EXECUTORS = 8;
const TOKEN_VARIABLE = 'BENCH_JENKINS_TOKEN';

/**
 * Reconciling products that build on Jenkins (the emulator, every build one `true` step) from
 * nothing to converged, against the same work done straight through JenkinsCi with the same
 * concurrency (read each head, make each job, start each build, poll until all are green); then
 * the HTTP requests per product of an idle pass. Each run gets a Jenkins of its own, in a process
 * of its own as a real one is (jenkins-process.ts), and the reconciler a state of its own (its
 * disk cache of the fleet's files is what its earlier rounds left: cold in round 1). The
 * emulator's builds and the client share the machine's cores, in both runs alike: the figures
 * swing with the machine's load, hence rounds in alternating order.
 */
export async function benchJenkins(): Promise<void> {
  const started = performance.now();
  // The direct run only builds: the reconciler is kept from proposing Jenkinsfiles (it still reads them).
  const repo = await createFleetRepo(
    Array.from({ length: PRODUCTS }, (_, index) => ({ org: 'bench', name: `p${index}`, steps: ['true'] })),
    DEFAULT_CONSTITUTION.replace(
      'rules: []',
      'rules:\n    - { id: own-jenkinsfiles, match: { actions: ["jenkinsfile.*"] }, effect: deny }',
    ),
  );
  try {
    console.log(`\njenkins: ${PRODUCTS} product repos made in ${seconds(performance.now() - started)}`);
    const rows: Record<string, string | number>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const row: Record<string, string | number> = { round };
      const runs = round % 2 === 1 ? (['direct', 'reconcile'] as const) : (['reconcile', 'direct'] as const);
      for (const run of runs) {
        if (run === 'direct') Object.assign(row, await directRun(repo));
        else Object.assign(row, await reconcileRun(repo, round));
      }
      row.ratio = (row['reconcile s'] as number) / (row['direct s'] as number);
      rows.push(row);
    }
    printTable(
      `jenkins: ${PRODUCTS} products, one \`true\` step each, ${EXECUTORS} executors, concurrency ${EXECUTORS} (target ratio <= 1.05)`,
      rows,
    );
    let direct = 0;
    let reconciled = 0;
    for (const row of rows) {
      direct += row['direct s'] as number;
      reconciled += row['reconcile s'] as number;
    }
    // Round 1 is the process's first reconcile (code not yet optimized, no Jenkinsfile compared yet);
    // later rounds are what a running reconciler meets. Both are printed, neither is dropped.
    const later = rows.slice(1).map((row) => row.ratio as number);
    const median = later.length > 0 ? later.sort((a, b) => a - b)[Math.floor(later.length / 2)] : undefined;
    console.log(
      `overall ratio ${(reconciled / direct).toFixed(3)}, first round ${Number(rows[0]?.ratio).toFixed(2)}` +
        `${median === undefined ? '' : `, median of later rounds ${median.toFixed(2)}`}, peak RSS ${peakRssMiB().toFixed(0)} MiB`,
    );
  } finally {
    repo.cleanup();
  }
}

/** The direct run on a Jenkins of its own: its wall time, when its first build started and how long after its last it ended. */
async function directRun(repo: FleetRepo): Promise<Record<string, number>> {
  const jenkins = await startJenkinsProcess({ executors: EXECUTORS });
  try {
    const run = await directBuilds(repo, jenkins.url);
    const times = await buildTimes(jenkins.url, run);
    return { 'direct s': run.ms / 1000, 'direct first ms': times.first, 'direct tail ms': times.tail };
  } finally {
    await jenkins.stop();
  }
}

/** Reconcile from nothing on a Jenkins of its own, then one idle pass: its time, passes, requests. */
async function reconcileRun(repo: FleetRepo, round: number): Promise<Record<string, number>> {
  const jenkins = await startJenkinsProcess({ executors: EXECUTORS });
  try {
    configureFleet(repo, jenkins.url);
    await repo.commitFleet(`build on the Jenkins of round ${round}`);
    const env = {
      ...process.env,
      [TOKEN_VARIABLE]: DEFAULT_JENKINS_USER.apiToken,
      CODEMONKEYS_STATE: join(repo.root, `state-${round}`, 'state.db'),
    };
    const reconciled = await reconcileAll(repo, env);
    const times = await buildTimes(jenkins.url, reconciled);
    await jenkins.resetRequestLog();
    const idle = await reconcile({
      clock: testClock(),
      ...reconcileOptions(repo, env),
      once: true,
      maxPasses: 1,
    });
    if (idle.executed.length > 0) throw new Error('the idle pass ran actions');
    return {
      'reconcile s': reconciled.ms / 1000,
      'first ms': times.first,
      'tail ms': times.tail,
      passes: reconciled.passes,
      'idle requests/product': (await jenkins.requestCount()) / PRODUCTS,
    };
  } finally {
    await jenkins.stop();
  }
}

/** Jenkins for every product, and the concurrency that is also the per-backend limit. */
function configureFleet(repo: FleetRepo, url: string): void {
  const path = join(repo.fleetDir, 'fleet.yaml');
  const text = readFileSync(path, 'utf8')
    .replace(/reconcile: \{ concurrency: \d+ \}/, `reconcile: { concurrency: ${EXECUTORS} }`)
    .replace(/\n {2}ci:\n[\s\S]*$/, '\n');
  writeFileSync(
    path,
    `${text}  ci:\n    default: jenkins\n    jenkins: { url: "${url}", user: ${DEFAULT_JENKINS_USER.name}, token: { env: ${TOKEN_VARIABLE} } }\n`,
  );
}

function reconcileOptions(repo: FleetRepo, env: NodeJS.ProcessEnv) {
  return {
    fleet: repo.fleetDir,
    cwd: repo.root,
    env,
    logger: createLogger({ level: 'silent' }),
    dryRun: false,
  };
}

async function reconcileAll(repo: FleetRepo, env: NodeJS.ProcessEnv): Promise<Run & { passes: number }> {
  const startedAt = Date.now();
  const start = performance.now();
  const result = await reconcile({
    clock: testClock(),
    ...reconcileOptions(repo, env),
    once: false,
    maxPasses: 1000,
  });
  const ms = performance.now() - start;
  if (!result.converged) throw new Error(`reconcile did not converge in ${result.passes} passes`);
  const built = result.executed.filter((action) => action.kind === 'build.trigger');
  if (built.length !== PRODUCTS) throw new Error(`reconcile started ${built.length} builds`);
  return { ms, startedAt, passes: result.passes };
}

/**
 * The same work without the reconciler, as a script would do it: per product, `EXECUTORS` at a
 * time (the executor's per-backend limit), read the branch head, make the job, start the build,
 * all through JenkinsCi; then poll the builds still running until every one is green.
 */
async function directBuilds(repo: FleetRepo, url: string): Promise<Run> {
  // Untimed, and kept from warming the reconciler's disk cache of the fleet's files: what the
  // reconciler finds there is what its own earlier rounds left, as a reconciler run from cron would.
  const loaded = await loadFleet({
    now: TEST_NOW,
    fleet: repo.fleetDir,
    cwd: repo.root,
    env: process.env,
    diskCache: false,
  });
  if (!loaded.fleet) throw new Error('the bench fleet is invalid');
  const products = [...loaded.fleet.products.values()];
  const api = new JenkinsApi({ url, user: DEFAULT_JENKINS_USER.name, token: DEFAULT_JENKINS_USER.apiToken });
  const ci = new JenkinsCi({ api });
  const queue = new PQueue({ concurrency: EXECUTORS });
  const heads = new Map<string, string>();
  const startedAt = Date.now();
  const start = performance.now();
  await Promise.all(
    products.map((product) =>
      queue.add(async () => heads.set(product.id, await buildDirectly(ci, product, repo.fleetDir))),
    ),
  );
  return { ms: await waitForBuilds(ci, products, heads, start), startedAt };
}

/** A run's wall time, and when it started (epoch ms, as Jenkins' build timestamps). */
interface Run {
  ms: number;
  startedAt: number;
}

/**
 * From Jenkins' own records (each job's build timestamp and duration): how long after the run
 * started its first build did, and how long after its last build ended the run did — what a run
 * adds before and after the builds themselves.
 */
async function buildTimes(url: string, run: Run): Promise<{ first: number; tail: number }> {
  const api = new JenkinsApi({ url, user: DEFAULT_JENKINS_USER.name, token: DEFAULT_JENKINS_USER.apiToken });
  const jobs = await api.folderJobs(['bench'], 1);
  const builds = [...(jobs?.values() ?? [])].flatMap((job) => job.builds);
  if (builds.length !== PRODUCTS) throw new Error(`Jenkins holds ${builds.length} builds, not ${PRODUCTS}`);
  const first = Math.min(...builds.map((build) => build.timestamp));
  const last = Math.max(...builds.map((build) => build.timestamp + build.duration));
  return { first: Math.round(first - run.startedAt), tail: Math.round(run.startedAt + run.ms - last) };
}

/** Reads the head, makes the job and starts its build; the head. */
async function buildDirectly(ci: JenkinsCi, product: Product, fleetDir: string): Promise<string> {
  const repoUrl = resolveRepoUrl(product.manifest.spec.repo.url, fleetDir);
  const head = await branchHead(repoUrl, 'main');
  await ci.ensureJob(product);
  await ci.trigger({
    product: product.id,
    repoUrl,
    branch: 'main',
    commit: head,
    steps: product.manifest.spec.build?.steps ?? [],
    timeoutMs: 60_000,
    env: {},
  });
  return head;
}

/** Polls every product's build (concurrency as above) until all are finished; the time they were. */
async function waitForBuilds(
  ci: JenkinsCi,
  products: Product[],
  heads: Map<string, string>,
  start: number,
): Promise<number> {
  const queue = new PQueue({ concurrency: EXECUTORS });
  let waiting = products;
  for (;;) {
    const states = await Promise.all(
      waiting.map((product) =>
        queue.add(async () => (await ci.observe(product.id, heads.get(product.id) ?? ''))?.state),
      ),
    );
    const failed = states.filter((state) => state === 'failed' || state === 'aborted');
    if (failed.length > 0) throw new Error(`${failed.length} direct builds did not succeed`);
    waiting = waiting.filter((_, index) => states[index] !== 'succeeded');
    if (waiting.length === 0) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
