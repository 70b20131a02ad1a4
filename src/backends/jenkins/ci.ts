import type { Product } from '../../fleet/model.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { perObject } from '../../util/per-object.js';
import type { BuildRecord, BuildRequest, CiBackend, JobObservation, JobState } from '../ci.js';
import { BUILD_SPEC_PARAMETER, formatBuildSpec, parseBuildSpec } from './build-spec.js';
import type { JenkinsApi, JenkinsBuild, JenkinsJob } from './client.js';
import { consoleFailure } from './console.js';
import { jenkinsCheckoutOf, renderJenkinsfile, stageNames } from './jenkinsfile.js';
import { jenkinsJobUrlPath, jobHashIn, renderFolderConfig, renderJob } from './job-config.js';

const LOG_TAIL_BYTES = 4096;
/** A folder is read whole when at least 1/FOLDER_READ_SHARE of its products are looked at (prepareJobs). */
const FOLDER_READ_SHARE = 4;

/**
 * The Jenkins CI backend: a pipeline job per product (in a folder per org, under an optional
 * top folder), built with the parameters REPO_URL, BRANCH, COMMIT and BUILD_SPEC (the hashes of
 * the build spec, formatBuildSpec). A commit's build is found by its COMMIT parameter, in the
 * queue or the job's recent builds — so a restarted reconciler finds the build it started and
 * never starts a second one — and tells the spec it runs by its BUILD_SPEC.
 */
export class JenkinsCi implements CiBackend {
  readonly name = 'jenkins' as const;
  readonly #api: JenkinsApi;
  readonly #folder: string | undefined;
  readonly #clock: Clock;
  /**
   * The config.xml of the job a product's spec gives, and its hash (renderJob), once per product
   * object: the loader hands the same object back while its manifest is unchanged, and a loop's
   * passes would otherwise render each product's Jenkinsfile and config.xml again every time they
   * look (and each configure once more). Per backend object, since the checkout credential comes
   * from fleet.yaml, which this object was made from.
   */
  readonly #wantedJob: (product: Product) => { config: string; hash: string };
  /** Folders made sure of (or being made sure of) by this object. */
  readonly #folders = new Map<string, Promise<void>>();
  /** Jobs announced by prepareJobs, each to be taken once from its folder's one read. */
  readonly #prepared = new Map<string, Promise<Map<string, JenkinsJob> | undefined>>();

  /**
   * `clock`: when a build is said to have been queued (the reconciler's clock; the machine's by
   * default). `credentials`: fleet.yaml's `spec.ci.jenkins.credentials`, the Jenkins credential
   * ids that check out private repositories (`<org>/<credential name>` → id), written into their
   * jobs' Jenkinsfiles.
   */
  constructor(options: {
    api: JenkinsApi;
    folder?: string;
    clock?: Clock;
    credentials?: Readonly<Record<string, string>>;
  }) {
    this.#api = options.api;
    this.#folder = options.folder;
    this.#clock = options.clock ?? systemClock;
    const credentials = options.credentials;
    this.#wantedJob = perObject((product: Product) =>
      renderJob(product, renderJenkinsfile(product, jenkinsCheckoutOf(product, credentials))),
    );
  }

  /**
   * One request: the job's description and recent builds. The job is current when its
   * description carries the hash of the config.xml the spec gives now (renderJobConfig). Jenkins
   * keeps no cheap timestamp of config.xml, so an edit made in Jenkins that keeps the hash line is
   * not seen here; the next change of the spec (or of the generator) overwrites it, as does
   * deleting the hash line or the job. A failed build costs a second request (its log), and so
   * does a commit queued behind another of the same job (the whole queue).
   */
  async observeJob(product: Product, commit: string): Promise<JobObservation> {
    const path = this.jobPath(product.id);
    const prepared = this.#prepared.get(product.id);
    this.#prepared.delete(product.id);
    const job = prepared ? (await prepared)?.get(path[path.length - 1] as string) : await this.#api.job(path);
    if (job === undefined) return { job: 'missing', build: undefined };
    const wanted = this.#wantedJob(product).hash;
    return {
      job: jobHashIn(job.description) === wanted ? 'current' : 'drifted',
      build: await this.#buildOf(product.id, commit, path, job, product.manifest.spec.build?.steps),
    };
  }

  /**
   * Before a pass looks at these products (observeJob, each once): the jobs of a folder that holds
   * many of them are read in one request (folderJobs) instead of one each. Worth it when at least
   * two are looked at and at least a quarter of the folder's products (of `known`, every product
   * that builds here; the org folders are Code Monkeys Ship's own), since the read returns them
   * all: a pass that polls the few builds still running asks for those jobs alone. A job is taken
   * from its folder's read once; a later look (another pass, a trigger's check) asks Jenkins anew.
   */
  prepareJobs(products: readonly Product[], known: readonly Product[]): void {
    const folderOf = (product: Product) => this.jobPath(product.id).slice(0, -1);
    const sizes = new Map<string, number>();
    for (const product of known) {
      const key = folderOf(product).join('/');
      sizes.set(key, (sizes.get(key) ?? 0) + 1);
    }
    const byFolder = new Map<string, { folder: string[]; looked: Product[] }>();
    for (const product of products) {
      const folder = folderOf(product);
      const entry = byFolder.get(folder.join('/')) ?? { folder, looked: [] };
      entry.looked.push(product);
      byFolder.set(folder.join('/'), entry);
    }
    for (const [key, { folder, looked }] of byFolder) {
      if (looked.length < 2 || looked.length * FOLDER_READ_SHARE < (sizes.get(key) ?? 0)) continue;
      const read = this.#api.folderJobs(folder);
      // Each look awaits the read and hears its failure; a look that never comes must not leave it unhandled.
      read.catch(() => undefined);
      for (const product of looked) this.#prepared.set(product.id, read);
    }
  }

  configureJob(product: Product, seen?: JobState): Promise<'created' | 'updated' | 'unchanged'> {
    return this.ensureJob(product, seen);
  }

  /**
   * Makes the org folder and the product's job exist with the generated config.xml. A job just
   * seen missing (`seen`, from the pass's observation) is created without asking for its
   * config.xml first; if it exists after all (made meanwhile, Jenkins answers 400), it is
   * compared and updated as any other.
   */
  async ensureJob(product: Product, seen?: JobState): Promise<'created' | 'updated' | 'unchanged'> {
    const path = this.jobPath(product.id);
    for (let depth = 1; depth < path.length; depth++) await this.#ensureFolder(path.slice(0, depth));
    const wanted = this.#wantedJob(product).config;
    if (seen === 'missing') {
      try {
        await this.#api.create(path, wanted);
        return 'created';
      } catch (error) {
        if ((await this.#api.config(path)) === undefined) throw error;
      }
    }
    const current = await this.#api.config(path);
    if (current === undefined) {
      await this.#api.create(path, wanted);
      return 'created';
    }
    if (current.trim() === wanted.trim()) return 'unchanged';
    await this.#api.updateConfig(path, wanted);
    return 'updated';
  }

  /**
   * Makes a folder exist, once per backend object: the configures of one org's products run side
   * by side, and would otherwise all look for the folder and race to create it. A folder that
   * another process created meanwhile (Jenkins answers 400, "already exists") is fine.
   */
  #ensureFolder(folder: string[]): Promise<void> {
    const key = folder.join('/');
    let ensured = this.#folders.get(key);
    if (!ensured) {
      ensured = this.#createFolder(folder);
      this.#folders.set(key, ensured);
      ensured.catch(() => this.#folders.delete(key));
    }
    return ensured;
  }

  async #createFolder(folder: string[]): Promise<void> {
    if ((await this.#api.config(folder)) !== undefined) return;
    try {
      await this.#api.create(folder, renderFolderConfig(folder[folder.length - 1] as string));
    } catch (error) {
      if ((await this.#api.config(folder)) === undefined) throw error;
    }
  }

  /** `[top folder…, org, name]` of a product's job. */
  jobPath(product: string): string[] {
    return [...(this.#folder ?? '').split('/').filter(Boolean), ...product.split('/')];
  }

  async observe(product: string, commit: string): Promise<BuildRecord | undefined> {
    const path = this.jobPath(product);
    const job = await this.#api.job(path);
    if (job === undefined) return undefined;
    return this.#buildOf(product, commit, path, job);
  }

  async trigger(request: BuildRequest): Promise<BuildRecord> {
    if (request.seenIdle !== true) {
      const existing = await this.observe(request.product, request.commit);
      if (existing && (existing.state === 'queued' || existing.state === 'running')) return existing;
    }
    const path = this.jobPath(request.product);
    const parameters: Record<string, string> = {
      REPO_URL: request.repoUrl,
      BRANCH: request.branch,
      COMMIT: request.commit,
    };
    // A job configured before it declared BUILD_SPEC drops it (Jenkins ignores undeclared parameters).
    if (request.spec) parameters[BUILD_SPEC_PARAMETER] = formatBuildSpec(request.spec);
    const id = await this.#api.build(path, parameters);
    const record: BuildRecord = {
      product: request.product,
      commit: request.commit,
      state: 'queued',
      buildId: `queue:${id}`,
      startedAt: this.#clock().toISOString(),
      logRef: jenkinsJobUrlPath(path),
    };
    if (request.spec) record.spec = request.spec;
    return record;
  }

  async log(record: BuildRecord, offset = 0): Promise<{ text: string; nextOffset: number; more: boolean }> {
    const number = buildNumber(record.buildId);
    if (number === undefined) return { text: '', nextOffset: offset, more: true };
    return this.#api.log(this.jobPath(record.product), number, offset);
  }

  /**
   * The newest build of the commit: its item in the queue, else its newest among the job's recent
   * builds. The queue is read only when the job has an item there and the commit has no build
   * running: the job's own item tells without another request, unless it is for another commit
   * (then the whole queue). A commit built again (its spec changed) waits there behind its
   * finished build.
   */
  async #buildOf(
    product: string,
    commit: string,
    path: string[],
    job: JenkinsJob,
    steps?: readonly string[],
  ): Promise<BuildRecord | undefined> {
    const build = job.builds.find((each) => each.parameters.COMMIT === commit);
    if (build?.building || job.queueItem === null) {
      return build && this.#record(product, commit, path, build, steps);
    }
    const jobUrl = jenkinsJobUrlPath(path);
    const queued =
      job.queueItem.parameters.COMMIT === commit
        ? job.queueItem
        : (await this.#api.queue()).find(
            (item) => item.jobUrl.endsWith(jobUrl) && item.parameters.COMMIT === commit,
          );
    if (!queued) return build && this.#record(product, commit, path, build, steps);
    const record: BuildRecord = {
      product,
      commit,
      state: 'queued',
      buildId: `queue:${queued.id}`,
      startedAt: this.#clock().toISOString(),
      logRef: jobUrl,
    };
    const spec = parseBuildSpec(queued.parameters[BUILD_SPEC_PARAMETER]);
    if (spec) record.spec = spec;
    return record;
  }

  async #record(
    product: string,
    commit: string,
    path: string[],
    build: JenkinsBuild,
    steps?: readonly string[],
  ): Promise<BuildRecord> {
    const state = stateOf(build);
    const record: BuildRecord = {
      product,
      commit,
      state,
      buildId: `#${build.number}`,
      startedAt: new Date(build.timestamp).toISOString(),
      logRef: build.url,
    };
    const spec = parseBuildSpec(build.parameters[BUILD_SPEC_PARAMETER]);
    if (spec) record.spec = spec;
    if (!build.building) {
      record.durationMs = build.duration;
      record.finishedAt = new Date(build.timestamp + build.duration).toISOString();
    }
    if (state === 'failed') {
      // Only a failed build costs a second request: the end of its log, for the stalled message.
      const whole = await this.#api.log(path, build.number, 0);
      const tail = Buffer.from(whole.text).subarray(-LOG_TAIL_BYTES).toString('utf8');
      record.failure = failureOf(whole.text, tail, build, steps);
    }
    return record;
  }
}

/**
 * Which step failed, read from the console log: its stage (one per step, named by stageNames)
 * and the exit code `sh` reported; the whole build when the log does not say.
 */
function failureOf(
  log: string,
  tail: string,
  build: JenkinsBuild,
  steps: readonly string[] | undefined,
): NonNullable<BuildRecord['failure']> {
  const found = consoleFailure(log);
  const index = found && steps ? stageNames(steps).indexOf(found.stage) : -1;
  if (found && steps && index >= 0) {
    return {
      step: index,
      command: steps[index] as string,
      exitCode: found.exitCode,
      signal: null,
      logTail: tail,
    };
  }
  const where = found ? `stage '${found.stage}' of ` : '';
  const credential = found?.credential ? `, ${credentialNote(found.credential)}` : '';
  return {
    step: -1,
    command: `${where}Jenkins build #${build.number} (${build.result}${credential})`,
    exitCode: found?.exitCode ?? null,
    signal: null,
    logTail: tail,
  };
}

/**
 * What the failing stage's checkout said of its Jenkins credential: a clone refused with a
 * credential Jenkins has (a wrong or expired password) reads differently from one Jenkins could
 * not find (not created, or another id).
 */
function credentialNote(credential: { id: string; found: boolean }): string {
  return credential.found
    ? `cloning with Jenkins credential '${credential.id}'`
    : `Jenkins credential '${credential.id}' could not be found`;
}

/** SUCCESS → succeeded; FAILURE and UNSTABLE (tests failed) → failed; ABORTED, NOT_BUILT → aborted. */
function stateOf(build: JenkinsBuild): BuildRecord['state'] {
  if (build.building || build.result === null) return 'running';
  if (build.result === 'SUCCESS') return 'succeeded';
  if (build.result === 'FAILURE' || build.result === 'UNSTABLE') return 'failed';
  return 'aborted';
}

function buildNumber(buildId: string): number | undefined {
  const match = /^#(\d+)$/.exec(buildId);
  return match ? Number(match[1]) : undefined;
}
