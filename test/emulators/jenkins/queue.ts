import type { Build, ParameterValue } from './build.js';
import type { Job } from './items.js';

/** Where an item is in `hudson.model.Queue`: WaitingItem, BlockedItem, BuildableItem, LeftItem. */
export type QueueState = 'waiting' | 'blocked' | 'buildable' | 'left';

/** One scheduled build, from `schedule` until long after it left the queue. */
export interface QueueItem {
  readonly id: number;
  readonly job: Job;
  readonly parameters: ParameterValue[];
  readonly startedBy: string;
  readonly inQueueSince: number;
  /** End of the quiet period. */
  readonly buildableAt: number;
  state: QueueState;
  cancelled: boolean;
  /** Set when the item left the queue as a build (`LeftItem.executable`). */
  build?: Build;
}

/** How many executors there are, the quiet period, and how to start and find builds. */
export interface QueueOptions {
  executors: number;
  quietPeriodMs: number;
  /** Starts the build of an item that got an executor. */
  start(item: QueueItem): Build;
  /** Whether the job has a build running (for jobs that disable concurrent builds). */
  runningBuildOf(job: Job): Build | undefined;
}

/**
 * The build queue (jenkinsci/jenkins core/src/main/java/hudson/model/Queue.java): an item waits
 * out the quiet period, may be blocked (a job without concurrent builds that is already
 * building), becomes buildable, and leaves the queue when an executor takes it. Scheduling a job
 * with the same parameters as an item still in the queue returns that item (`schedule2` merges
 * it, `ParametersAction.shouldSchedule`). Left items stay readable, as Queue's `leftItems` cache.
 */
export class BuildQueue {
  readonly #items = new Map<number, QueueItem>();
  /** The items not yet left, in the order they came (Queue's waiting, blocked and buildable lists). */
  readonly #live = new Set<QueueItem>();
  readonly #options: QueueOptions;
  #nextId = 1;
  #busy = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: QueueOptions) {
    this.#options = options;
  }

  get executors(): number {
    return this.#options.executors;
  }

  get busyExecutors(): number {
    return this.#busy;
  }

  /** `Queue.schedule2`; `quietPeriodMs` overrides the configured quiet period (`delay=`). */
  schedule(
    job: Job,
    parameters: ParameterValue[],
    startedBy: string,
    quietPeriodMs = this.#options.quietPeriodMs,
  ): { item: QueueItem; created: boolean } {
    const existing = this.live().find(
      (item) => item.job === job && sameParameters(item.parameters, parameters),
    );
    if (existing) return { item: existing, created: false };
    const now = Date.now();
    const item: QueueItem = {
      id: this.#nextId++,
      job,
      parameters,
      startedBy,
      inQueueSince: now,
      buildableAt: now + quietPeriodMs,
      state: 'waiting',
      cancelled: false,
    };
    this.#items.set(item.id, item);
    this.#live.add(item);
    this.maintain();
    return { item, created: true };
  }

  item(id: number): QueueItem | undefined {
    return this.#items.get(id);
  }

  /** Items still in the queue, oldest first. */
  live(): QueueItem[] {
    return [...this.#live];
  }

  /** `Queue.doCancelItem`: the item leaves the queue, cancelled. */
  cancel(id: number): boolean {
    const item = this.#items.get(id);
    if (!item || item.state === 'left') return false;
    this.#leave(item);
    item.cancelled = true;
    return true;
  }

  #leave(item: QueueItem): void {
    item.state = 'left';
    this.#live.delete(item);
  }

  /** An executor is free again. */
  release(): void {
    this.#busy = Math.max(0, this.#busy - 1);
    this.maintain();
  }

  /** `Queue.maintain()`: moves items along and hands buildable ones to free executors. */
  maintain(): void {
    if (this.#closed) return;
    const now = Date.now();
    let nextWake = Number.POSITIVE_INFINITY;
    for (const item of this.live()) {
      if (now < item.buildableAt) {
        nextWake = Math.min(nextWake, item.buildableAt);
        continue;
      }
      const blocked =
        !item.job.config.concurrentBuilds && this.#options.runningBuildOf(item.job) !== undefined;
      item.state = blocked ? 'blocked' : 'buildable';
      if (item.state === 'buildable' && this.#busy < this.#options.executors) {
        this.#busy++;
        this.#leave(item);
        item.build = this.#options.start(item);
      }
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (Number.isFinite(nextWake))
      this.#timer = setTimeout(() => this.maintain(), Math.max(1, nextWake - now));
  }

  /** Why the item is still in the queue (`Queue.Item.getWhy()`), null once it left. */
  why(item: QueueItem): string | null {
    switch (item.state) {
      case 'waiting':
        return `In the quiet period. Expires in ${timeSpan(item.buildableAt - Date.now())}`;
      case 'blocked':
        return `Build #${this.#options.runningBuildOf(item.job)?.number ?? '?'} is already in progress`;
      case 'buildable':
        return 'Waiting for next available executor';
      case 'left':
        return null;
    }
  }

  /** Cancels what is still queued and stops scheduling. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const item of this.live()) this.cancel(item.id);
  }
}

function sameParameters(a: ParameterValue[], b: ParameterValue[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((parameter) =>
    b.some((other) => other.name === parameter.name && other.value === parameter.value),
  );
}

/** `Util.getTimeSpanString`, for the short spans of a quiet period. */
function timeSpan(ms: number): string {
  const left = Math.max(0, ms);
  if (left < 1000) return `${Math.round(left)} ms`;
  if (left < 10_000) return `${(left / 1000).toFixed(1)} sec`;
  return `${Math.round(left / 1000)} sec`;
}
