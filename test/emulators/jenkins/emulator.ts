import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_JENKINS_USER, type JenkinsEmulator, type JenkinsEmulatorOptions } from './api.js';
import type { JenkinsUser } from './auth.js';
import { Build } from './build.js';
import type { JenkinsState } from './context.js';
import { CredentialStore, type JenkinsCredential } from './credentials.js';
import { type FaultOptions, FaultPlan, type FaultStatus } from './faults.js';
import { handleRequest, type RecordedRequest } from './handler.js';
import { allItems, Folder, fullNameOf, type Item, Job, resolveItem } from './items.js';
import { DEFAULT_JENKINS_PLUGINS, type JenkinsPlugin } from './plugins.js';
import { BuildQueue, type QueueItem } from './queue.js';
import { executeBuild } from './run-build.js';
import { type ItemSnapshot, snapshotItem } from './snapshot.js';

/** Starts an in-process Jenkins on 127.0.0.1 and a port the OS picks. Call `stop()` when done. */
export async function startJenkinsEmulator(options: JenkinsEmulatorOptions = {}): Promise<JenkinsEmulator> {
  const emulator = new Emulator(options);
  await emulator.listen(0);
  return emulator;
}

class Emulator implements JenkinsEmulator, JenkinsState {
  readonly root = new Folder('', null, '', null);
  readonly queue: BuildQueue;
  readonly users: readonly JenkinsUser[];
  readonly plugins: readonly Readonly<JenkinsPlugin>[];
  readonly #options: JenkinsEmulatorOptions;
  readonly #faults = new FaultPlan();
  readonly #log: RecordedRequest[] = [];
  readonly #running = new Set<Build>();
  readonly #settling = new Set<Promise<void>>();
  readonly #workspaces = new Set<string>();
  readonly #credentials: CredentialStore;
  /** JENKINS_HOME of sorts: the builds' workspaces live under it. */
  readonly #home: string;
  readonly #server: Server;
  #port = 0;
  #listening = false;
  #stopped = false;

  constructor(options: JenkinsEmulatorOptions) {
    this.#options = options;
    this.users = options.users ?? [DEFAULT_JENKINS_USER];
    this.plugins = options.plugins ?? DEFAULT_JENKINS_PLUGINS;
    this.#credentials = new CredentialStore(options.credentials);
    const executors = options.executors ?? 2;
    if (!Number.isInteger(executors) || executors < 1)
      throw new Error(`executors must be a positive integer, got ${executors}`);
    this.#home = mkdtempSync(join(tmpdir(), 'cm-jenkins-'));
    this.queue = new BuildQueue({
      executors,
      quietPeriodMs: options.queueDelayMs ?? 50,
      start: (item) => this.#start(item),
      runningBuildOf: (job) => [...this.#running].find((build) => build.job === job),
    });
    const handler = {
      state: this as JenkinsState,
      users: this.users,
      crumbRequired: options.crumbRequired ?? false,
      crumbSalt: randomBytes(16).toString('hex'),
      session: randomBytes(4).toString('hex'),
      faults: this.#faults,
      log: this.#log,
    };
    this.#server = createServer((req, res) => void handleRequest(req, res, handler));
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/`;
  }

  get rootUrl(): string {
    return this.url;
  }

  get requests(): readonly RecordedRequest[] {
    return [...this.#log];
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
  }

  requestCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const request of this.#log) counts[request.key] = (counts[request.key] ?? 0) + 1;
    return counts;
  }

  resetRequestLog(): void {
    this.#log.length = 0;
  }

  failNext(count: number, status: FaultStatus, options?: FaultOptions): void {
    this.#faults.failNext(count, status, options);
  }

  delayNext(count: number, ms: number): void {
    this.#faults.delayNext(count, ms);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  async goDown(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async comeBack(): Promise<void> {
    if (this.#listening || this.#stopped) return;
    await this.listen(this.#port);
  }

  addCredential(credential: JenkinsCredential): void {
    this.#credentials.add(credential);
  }

  removeCredential(id: string): boolean {
    return this.#credentials.remove(id);
  }

  deleteItem(fullName: string): boolean {
    const item = resolveItem(this.root, fullName.split('/').filter(Boolean));
    if (!item || item === this.root) return false;
    this.removeItem(item);
    return true;
  }

  jobs(): ItemSnapshot[] {
    return allItems(this.root).map(snapshotItem);
  }

  async waitForIdle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.queue.live().length > 0 || this.#running.size > 0 || this.#settling.size > 0) {
      if (Date.now() > until) {
        const building = [...this.#running].map((build) => `${fullNameOf(build.job)} #${build.number}`);
        throw new Error(
          `Jenkins emulator not idle after ${timeoutMs} ms: queued ${this.queue.live().length}, building [${building.join(', ')}]`,
        );
      }
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.queue.close();
    for (const build of this.#running) this.abortBuild(build, 'SYSTEM');
    await Promise.allSettled([...this.#settling]);
    await this.goDown();
    rmSync(this.#home, { recursive: true, force: true });
  }

  abortBuild(build: Build, by: string): void {
    if (!build.building || build.abort.signal.aborted) return;
    build.abortedBy = by;
    build.println(`Aborted by ${by}`);
    build.abort.abort();
  }

  removeItem(item: Item): void {
    const jobs =
      item instanceof Folder ? allItems(item).filter((child): child is Job => child instanceof Job) : [item];
    for (const queued of this.queue.live()) if (jobs.includes(queued.job)) this.queue.cancel(queued.id);
    for (const build of this.#running) if (jobs.includes(build.job)) this.abortBuild(build, 'SYSTEM');
    item.parent?.children.delete(item.name);
  }

  #start(item: QueueItem): Build {
    const job = item.job;
    const build = new Build(
      job,
      job.nextBuildNumber++,
      item.id,
      item.parameters,
      item.startedBy,
      item.inQueueSince,
    );
    job.builds.push(build);
    this.#running.add(build);
    const notifyUrls = this.#options.notifyUrl ? [this.#options.notifyUrl] : [];
    const done: Promise<void> = executeBuild(build, {
      rootUrl: this.rootUrl,
      notifyUrls,
      credentials: this.#credentials,
      acquireWorkspace: (running) => this.#acquireWorkspace(running),
    })
      .catch((error: unknown) => {
        build.println(`emulator error: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => {
        this.#running.delete(build);
        this.#settling.delete(done);
        this.queue.release();
      });
    this.#settling.add(done);
    return build;
  }

  /** `WorkspaceList.allocate`: the job's workspace, or `@2`, `@3` … while another build holds it. */
  #acquireWorkspace(build: Build): { path: string; release(): void } {
    const base = join(this.#home, 'workspace', ...build.job.path);
    let path = base;
    for (let n = 2; this.#workspaces.has(path); n++) path = `${base}@${n}`;
    this.#workspaces.add(path);
    return { path, release: () => this.#workspaces.delete(path) };
  }
}
