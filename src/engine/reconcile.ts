import PQueue from 'p-queue';
import type { Action, GatedAction } from '../actions/action.js';
import type { Approval, Condition, JournalEntry } from '../store/store.js';
import { ACTUATORS } from './actuators.js';
import { backoffDelayMs } from './backoff.js';
import { gaveUpConditions } from './conditions.js';
import { type ExecutedAction, Executor } from './execute.js';
import { actionDigest, constitutionRevision, planIdOf, planOf, summarize, xorDigests } from './gate.js';
import { actionLease, leaseOwner, renewLease, takeLease } from './lease.js';
import { forgetMemories, type LoopState, newLoopState, servedRemembered } from './loop-state.js';
import { prepareLooks } from './observe.js';
import { productOrder } from './order.js';
import type { Orphan, Plan } from './plan-model.js';
import { type ProductResult, type ProductRun, reconcileProduct, resyncAfterMs } from './product.js';
import { type QueueTimers, WorkQueue } from './queue.js';
import { findOrphans, syncProducts } from './record.js';
import { InvalidFleetError, openRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
import { computePlan } from './whole-plan.js';

export interface ReconcileOptions extends Omit<RuntimeOptions, 'readOnly'> {
  dryRun: boolean;
  /** Every product once (after the products it depends on), then stop, whatever is left. */
  once: boolean;
  product?: string;
  /** No product is reconciled more often than this in one run, converged or not. */
  maxPasses: number;
  /**
   * Called after each product's reconcile, with how many times that product was reconciled in
   * this run and how long the reconcile took.
   */
  onReconciled?: (result: ProductResult, count: number, durationMs: number) => void;
  /**
   * Keep running, as `codemonkeys watch` does, until `signal` aborts: see WatchOptions. Absent:
   * the run ends once the queue is empty.
   */
  watch?: WatchOptions;
  /**
   * Delay before the n-th retry of a product whose observation failed n times in a row for a
   * reason that passes (a server down), and of an action's n-th transient failure. Default
   * `backoffDelayMs` (10 s doubling to 10 min, with jitter); tests shorten it.
   */
  backoff?: (attempts: number) => number;
  /** The queue's timers (tests: fake ones). */
  timers?: QueueTimers;
  /**
   * Aborting it stops the run gracefully (SIGTERM, SIGINT): no product is taken from the queue and
   * no action starts any more; what runs finishes (a local build's worker runs on by itself and
   * is adopted by the next run); then `reconcile` resolves, with `stopped` set.
   */
  signal?: AbortSignal;
  /**
   * Tries a product gets while it keeps failing for a reason that passes (its observation, or an
   * action backing off) before it is given up for this run; default RETRY_BUDGET.
   */
  retries?: number;
}

/**
 * A run that never ends by itself (`codemonkeys watch`): a product that is done is reconciled
 * again after `spec.reconcile.interval`, one that was given up or is stalled too; events queue
 * products at once (FleetRun.enqueue, FleetRun.resync). A fleet revision that fails validation is
 * reported and not acted on: the last valid revision stays in force.
 */
export interface WatchOptions {
  /** A new fleet revision failed validation; the run goes on with `inForce`. */
  onInvalidFleet?: (error: InvalidFleetError, inForce: string | null) => void;
  /** A new fleet revision was loaded and is in force. */
  onFleetLoaded?: (runtime: Runtime) => void;
  /** The run is ready: the fleet is loaded and the state store open. */
  onStarted?: (run: FleetRun) => void;
}

/**
 * The least time between two reconciles of one product that events (webhooks) ask for: the first
 * event is acted on at once, the ones that follow within this time share one reconcile after it.
 */
export const EVENT_GAP_MS = 2_000;

/** Tries before a product that keeps failing is given up for the run (about 5 minutes of default backoff). */
export const RETRY_BUDGET = 6;

/** A product whose errors outlasted the retry budget. */
export interface GaveUp {
  product: string;
  tries: number;
  reason: string;
  message: string;
}

export interface ReconcileResult {
  runId: string;
  /** The most times one product was reconciled in this run. */
  passes: number;
  /**
   * The run ended by itself: every product's last reconcile wanted nothing more (nothing
   * runnable, nothing under way, no retry due) and none was given up.
   */
  converged: boolean;
  /** Products given up for this run, their errors having outlasted the retry budget. */
  gaveUp: GaveUp[];
  /** The run was stopped (its `signal` aborted) before it ended by itself. */
  stopped: boolean;
  /** Every product's last reconcile, assembled into one plan (a dry run: the whole-fleet plan). */
  plan: Plan;
  /** The conditions each product's last reconcile wrote. */
  conditions: Map<string, Condition[]>;
  /** Every action carried out, in the order they ended. */
  executed: ExecutedAction[];
}

/**
 * How soon a fleet reload is due again while products are reconciled: a new commit of the fleet
 * repo is picked up this long after it, at the latest (a load of an unchanged fleet costs one
 * `git status`, cached manifests are not parsed again).
 */
export const RELOAD_MS = 1_000;

/**
 * `reconcile`: a work queue of products, as controller-runtime's. Every product is queued once
 * (in dependency order); each is reconciled on its own (reconcileProduct: observe, plan, gate,
 * record, act, status) and queued again when it asks (a build runs, it was just acted on, a
 * backoff ends, its observation failed) or when a product it depends on became Ready. The run
 * ends when the queue is empty: every product converged, or blocked on what time alone does not
 * lift (a denial, an approval, a failure that needs a person). At most `reconcile.concurrency`
 * products are reconciled at once. An invalid fleet revision stops the run before anything is
 * done with it. A dry run plans the whole fleet and does nothing.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const runId = leaseOwner();
  const clock = options.clock;
  const loop = newLoopState(clock);
  // A dry run that keeps going works on a copy of the state in memory: nothing reaches the file.
  const snapshotState = options.dryRun && options.watch !== undefined;
  const first = await openRuntime({ ...options, readOnly: options.dryRun, snapshotState, loop });
  if (options.dryRun && options.watch) {
    try {
      return await new FleetRun(options, runId, loop, first, []).reconcile();
    } finally {
      first.store.close();
    }
  }
  if (options.dryRun) {
    try {
      const { plan } = await computePlan({
        runtime: first,
        product: options.product,
        dryRun: true,
        now: clock(),
      });
      return {
        runId,
        passes: 1,
        converged: false,
        gaveUp: [],
        stopped: false,
        plan,
        conditions: new Map(),
        executed: [],
      };
    } finally {
      first.store.close();
    }
  }
  const store = first.store;
  try {
    const leftRunning = takeLease(first, runId, clock());
    return await new FleetRun(options, runId, loop, first, leftRunning).reconcile();
  } finally {
    store.releaseLease(runId);
    store.close();
  }
}

/**
 * One `reconcile` (or `watch`) run: its queue, its fleet (reloaded as it goes), what each
 * product's last reconcile gave.
 */
export class FleetRun {
  readonly #options: ReconcileOptions;
  readonly #runId: string;
  readonly #loop: LoopState;
  readonly #queue: WorkQueue;
  readonly #executor: Executor;
  readonly #processes: PQueue;
  readonly #timers: Pick<QueueTimers, 'now'>;
  #runtime: Runtime;
  #loadedAt: number;
  #reloading: Promise<Runtime> | undefined;
  #orphans = new Map<string, Orphan>();
  #planApprovals = new Map<string, Approval[]>();
  /** The products that depend on each product. */
  #dependents = new Map<string, string[]>();
  readonly #results = new Map<string, ProductResult>();
  readonly #counts = new Map<string, number>();
  readonly #gaveUp = new Map<string, GaveUp>();
  readonly #executed: ExecutedAction[] = [];
  /** When an event last queued each product at once (the queue's clock): events within EVENT_GAP_MS of it wait. */
  readonly #lastEvent = new Map<string, number>();
  /** The last fleet revision (and its problems) that failed validation, reported once, while the one before stays in force. */
  #invalidRevision: string | undefined;
  /** Actions a reconciler that died left running (takeLease), by product: each product's reconcile resumes its own first. */
  readonly #leftRunning = new Map<string, JournalEntry[]>();

  constructor(
    options: ReconcileOptions,
    runId: string,
    loop: LoopState,
    runtime: Runtime,
    leftRunning: readonly JournalEntry[] = [],
  ) {
    for (const entry of leftRunning) {
      const list = this.#leftRunning.get(entry.product) ?? [];
      list.push(entry);
      this.#leftRunning.set(entry.product, list);
    }
    this.#options = options;
    this.#runId = runId;
    this.#loop = loop;
    this.#runtime = runtime;
    this.#timers = options.timers ?? { now: () => performance.now() };
    this.#loadedAt = this.#timers.now();
    const concurrency = runtime.fleet.fleet.manifest.spec.reconcile?.concurrency ?? 4;
    this.#processes = new PQueue({ concurrency });
    this.#queue = new WorkQueue({
      concurrency,
      backoff: options.backoff ?? backoffDelayMs,
      timers: options.timers,
      waitsFor: (id) => this.#runtime.fleet.products.get(id)?.manifest.spec.dependsOn ?? [],
    });
    this.#executor = new Executor({
      store: runtime.store,
      context: { ...runtime, now: runtime.clock },
      actuators: ACTUATORS,
      runId,
      concurrency,
      perBackend: runtime.perBackend,
      backoff: options.backoff,
      lease: actionLease(runtime.store, runId),
    });
  }

  async reconcile(): Promise<ReconcileResult> {
    // The lease is kept alive for as long as the run lasts, also while it only waits (a backoff).
    const lease = actionLease(this.#runtime.store, this.#runId);
    const renewal = setInterval(() => {
      if (!lease.renew(this.#runtime.clock()))
        this.#runtime.logger.warn({ runId: this.#runId }, 'reconciler lease not renewed: not held');
    }, lease.renewEveryMs);
    renewal.unref();
    // A dry run holds no lease: it never acts.
    if (this.#options.dryRun) clearInterval(renewal);
    const stop = () => {
      this.#runtime.logger.info({ runId: this.#runId }, 'stopping: no new product or action starts');
      this.#queue.stop();
      this.#executor.stop('the reconciler is stopping');
    };
    const signal = this.#options.signal;
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      this.#refresh(this.#runtime);
      this.#queueAll();
      this.#resumeUnqueued();
      this.#options.watch?.onStarted?.(this);
      await this.#queue.run((id) => this.#reconcile(id));
      // "Converged" is said of fresh reads: when a look used what a facet remembered (a branch head
      // read a few seconds before), every product is looked at once more, on fresh reads.
      if (!this.#options.once && !signal?.aborted && this.#settled() && servedRemembered(this.#loop)) {
        forgetMemories(this.#loop);
        this.#queueAll();
        await this.#queue.run((id) => this.#reconcile(id));
      }
      await this.#executor.finish();
    } finally {
      clearInterval(renewal);
      signal?.removeEventListener('abort', stop);
    }
    return {
      runId: this.#runId,
      passes: Math.max(0, ...this.#counts.values()),
      converged: !signal?.aborted && this.#settled() && this.#gaveUp.size === 0,
      gaveUp: [...this.#gaveUp.values()],
      stopped: signal?.aborted === true,
      plan: this.#assemble(),
      conditions: new Map(
        [...this.#results.values()]
          .filter((result) => result.conditions.length > 0)
          .map((result) => [result.product, result.conditions]),
      ),
      executed: this.#executed,
    };
  }

  /**
   * Queues products for an event (a push to their repository, a finished build): at once, unless
   * an event queued the product less than EVENT_GAP_MS ago — then when that time is up, so that a
   * burst of events (a thousand pushes, a flood of redeliveries) is one reconcile at once and one
   * after it that sees the last of them, not one per event. Unknown ids are ignored.
   */
  enqueue(products: readonly string[]): void {
    const now = this.#timers.now();
    for (const id of products) {
      if (!this.#runtime.fleet.products.has(id) && !this.#orphans.has(id)) continue;
      const since = now - (this.#lastEvent.get(id) ?? Number.NEGATIVE_INFINITY);
      if (since < EVENT_GAP_MS) {
        this.#queue.addAfter(id, EVENT_GAP_MS - since);
        continue;
      }
      this.#lastEvent.set(id, now);
      this.#queue.add(id);
    }
  }

  /**
   * Loads the fleet again at the next product's reconcile and queues every product now (a push to
   * the fleet repo, a change of its files, a scheduled resync).
   */
  resync(): void {
    this.#loadedAt = Number.NEGATIVE_INFINITY;
    this.#queueAll();
  }

  /** The fleet in force (the last valid revision) and what its products' last reconciles gave. */
  get runtime(): Runtime {
    return this.#runtime;
  }

  /** Each product's last reconcile in this run, by id. */
  get results(): ReadonlyMap<string, ProductResult> {
    return this.#results;
  }

  /** Products queued, being reconciled or waiting for a delay. */
  get depth(): number {
    return this.#queue.depth;
  }

  /** The products' last reconciles as one plan. */
  plan(): Plan {
    return this.#assemble();
  }

  /** Every product of the run's scope, in dependency order, and the orphans that asked to be pruned. */
  #queueAll(): void {
    const only = this.#options.product;
    if (only !== undefined && !this.#runtime.fleet.products.has(only))
      throw new Error(`no product ${only} in the fleet`);
    const ids = only !== undefined ? [only] : productOrder(this.#runtime.fleet);
    const runtime = this.#runtime;
    const products = ids.map((id) => runtime.fleet.products.get(id)).filter((p) => p !== undefined);
    prepareLooks(products, { ...runtime, now: runtime.clock(), memories: this.#loop.memories });
    for (const id of ids) this.#queue.add(id);
    if (only === undefined)
      for (const orphan of this.#orphans.values()) if (orphan.prune) this.#queue.add(orphan.product);
  }

  /**
   * Actions left running for products this run does not reconcile (another was asked for with
   * `--product`, or the product left the fleet) are resumed on their own: their outcome is
   * recorded all the same.
   */
  #resumeUnqueued(): void {
    const only = this.#options.product;
    for (const [product, entries] of this.#leftRunning) {
      const queued =
        only === undefined
          ? this.#runtime.fleet.products.has(product) || this.#orphans.get(product)?.prune
          : product === only;
      if (queued) continue;
      this.#leftRunning.delete(product);
      void this.#executor.resume(entries).then((done) => this.#executed.push(...done));
    }
  }

  async #reconcile(id: string): Promise<void> {
    const count = (this.#counts.get(id) ?? 0) + 1;
    if (count > this.#options.maxPasses && !this.#options.watch) return;
    this.#counts.set(id, count);
    const runtime = await this.#current();
    const orphan = this.#orphan(runtime, id);
    if (!runtime.fleet.products.has(id) && !orphan) {
      this.#results.delete(id);
      return;
    }
    const before = this.#results.get(id);
    const started = this.#timers.now();
    const result = await reconcileProduct(id, this.#productRun(runtime), orphan);
    this.#results.set(id, result);
    this.#executed.push(...result.executed);
    if (!this.#options.once && (this.#options.watch || count < this.#options.maxPasses))
      this.#requeue(runtime, result);
    this.#options.onReconciled?.(result, count, this.#timers.now() - started);
    // Products that wait for this one look again once it is Ready.
    if (result.ready && before?.ready !== true) {
      for (const dependent of this.#dependents.get(id) ?? []) {
        if (this.#results.get(dependent)?.actions.some(waitsForProducts)) this.#queue.add(dependent);
      }
    }
  }

  /**
   * Queues the product again when its reconcile asked to be: after the queue's backoff on an
   * error that passes, after the delay it named; unless its tries outlasted the retry budget,
   * then it is given up for this run (Stalled, with the error and the number of tries).
   */
  #requeue(runtime: Runtime, result: ProductResult): void {
    const { product: id, outcome } = result;
    this.#gaveUp.delete(id);
    if (this.#options.watch) {
      this.#requeueWatching(runtime, result);
      return;
    }
    const budget = this.#options.retries ?? RETRY_BUDGET;
    if (outcome.type === 'error' && outcome.next !== 'stalled') {
      const tries = this.#queue.failures(id) + 1;
      if (tries < budget) this.#queue.addRateLimited(id);
      else
        this.#giveUp(runtime, result, {
          product: id,
          tries,
          reason: outcome.reason,
          message: outcome.message,
        });
      return;
    }
    this.#queue.forget(id);
    if (outcome.type !== 'requeue') return;
    // An action that failed again and again for a reason that passes counts its own tries.
    const failing = backingOff(result.actions).find(({ attempts }) => attempts >= budget);
    if (failing) {
      const { action, attempts } = failing;
      const message = `${action.kind} failed ${attempts} times`;
      this.#giveUp(runtime, result, { product: id, tries: attempts, reason: 'ActionKeepsFailing', message });
      return;
    }
    this.#queue.addAfter(id, outcome.afterMs);
  }

  /**
   * The same, for a run that keeps going: a done or stalled product comes back after its resync
   * interval, and so does one given up (its errors outlasted the retry budget) — it is Stalled
   * meanwhile, and the resync tries it afresh.
   */
  #requeueWatching(runtime: Runtime, result: ProductResult): void {
    const { product: id, outcome } = result;
    const resync = resyncAfterMs(runtime);
    const budget = this.#options.retries ?? RETRY_BUDGET;
    if (outcome.type === 'error' && outcome.next !== 'stalled') {
      const tries = this.#queue.failures(id) + 1;
      if (tries < budget) {
        this.#queue.addRateLimited(id);
        return;
      }
      this.#giveUp(runtime, result, { product: id, tries, reason: outcome.reason, message: outcome.message });
      this.#queue.addAfter(id, resync);
      return;
    }
    this.#queue.forget(id);
    this.#queue.addAfter(id, outcome.type === 'requeue' ? outcome.afterMs : resync);
  }

  #giveUp(runtime: Runtime, result: ProductResult, why: GaveUp): void {
    this.#gaveUp.set(why.product, why);
    this.#queue.forget(why.product);
    const now = runtime.clock();
    const previous = runtime.store.conditions(why.product).get(why.product);
    const conditions = gaveUpConditions(why, runtime.fleet.revision, previous, now);
    runtime.store.setConditionsOf(new Map([[why.product, conditions]]));
    result.conditions = conditions;
    runtime.logger.warn(
      { product: why.product, tries: why.tries, reason: why.reason },
      'gave up for this run',
    );
  }

  /** An orphan the state still knows (a pruned one is forgotten at once). */
  #orphan(runtime: Runtime, id: string): Orphan | undefined {
    const orphan = this.#orphans.get(id);
    if (!orphan) return undefined;
    if (runtime.store.products().some((record) => record.id === id)) return orphan;
    this.#orphans.delete(id);
    return undefined;
  }

  #productRun(runtime: Runtime): ProductRun {
    return {
      runtime,
      runId: this.#runId,
      executor: this.#executor,
      dryRun: this.#options.dryRun,
      takeLeftRunning: (product) => {
        const entries = this.#leftRunning.get(product) ?? [];
        this.#leftRunning.delete(product);
        return entries;
      },
      ready: (product) => this.#ready(product),
      approvals: (actions) => this.#approvals(actions),
      withinProcessLimit: (run) => this.#processes.add(run, { throwOnTimeout: true }),
    };
  }

  /** The fleet as of at most RELOAD_MS ago: one load at a time, shared by the products that ask meanwhile. */
  async #current(): Promise<Runtime> {
    if (this.#timers.now() - this.#loadedAt < RELOAD_MS) return this.#runtime;
    this.#reloading ??= openRuntime({
      ...this.#options,
      readOnly: this.#options.dryRun,
      store: this.#runtime.store,
      loop: this.#loop,
      previous: this.#runtime,
    })
      .then((runtime) => {
        if (!this.#options.dryRun) renewLease(runtime, this.#runId, runtime.clock());
        // A new revision, or the files are valid again after a revision that was not.
        const changed =
          runtime.fleet.revision !== this.#runtime.fleet.revision || this.#invalidRevision !== undefined;
        this.#refresh(runtime);
        if (changed) this.#options.watch?.onFleetLoaded?.(runtime);
        return runtime;
      })
      .catch((error: unknown) => {
        // Watching, a revision that fails validation is reported and not acted on.
        if (!(this.#options.watch && error instanceof InvalidFleetError)) throw error;
        this.#loadedAt = this.#timers.now();
        // Reported once per revision and set of problems (a work tree's edits keep its revision).
        const key = `${error.revision}:${JSON.stringify(error.problems)}`;
        if (key !== this.#invalidRevision) {
          this.#invalidRevision = key;
          this.#options.watch.onInvalidFleet?.(error, this.#runtime.fleet.revision);
        }
        return this.#runtime;
      })
      .finally(() => {
        this.#reloading = undefined;
      });
    return this.#reloading;
  }

  /** A newly loaded fleet: the state learns its products, the orphans and plan approvals are read again. */
  #refresh(runtime: Runtime): void {
    this.#runtime = runtime;
    this.#invalidRevision = undefined;
    this.#loadedAt = this.#timers.now();
    const now = runtime.clock();
    if (this.#options.product === undefined) syncProducts(runtime, now);
    this.#orphans = new Map(findOrphans(runtime).map((orphan) => [orphan.product, orphan]));
    this.#planApprovals = planApprovalsByAction(runtime);
    this.#dependents = new Map();
    for (const product of runtime.fleet.products.values()) {
      for (const dependency of product.manifest.spec.dependsOn ?? []) {
        const list = this.#dependents.get(dependency) ?? [];
        list.push(product.id);
        this.#dependents.set(dependency, list);
      }
    }
  }

  /**
   * Whether a product is Ready: as this run's last reconcile of it found; before that, as its
   * stored Ready condition says (undefined when there is none: not waited for).
   */
  #ready(product: string): boolean | undefined {
    const result = this.#results.get(product);
    if (result) return result.ready;
    const ready = this.#runtime.store
      .conditions(product)
      .get(product)
      ?.find((c) => c.type === 'Ready');
    return ready === undefined ? undefined : ready.status === 'True';
  }

  /** Approvals of the actions, and of every saved plan that lists them (as approvals of each action). */
  #approvals(actions: readonly Action[]): Approval[] {
    const own = this.#runtime.store.approvals(actions.map((action) => action.id));
    const ofPlans = actions.flatMap((action) => this.#planApprovals.get(action.id) ?? []);
    return [...own, ...ofPlans];
  }

  /** Every product's last reconcile asked for nothing more (no requeue, no retry). */
  #settled(): boolean {
    if (this.#results.size === 0) return false;
    return [...this.#results.values()].every(
      (result) =>
        result.outcome.type === 'done' ||
        (result.outcome.type === 'error' && result.outcome.next === 'stalled'),
    );
  }

  /** The products' last reconciles as one plan: the same shape `plan` gives. */
  #assemble(): Plan {
    const runtime = this.#runtime;
    const order = [...productOrder(runtime.fleet), ...this.#orphans.keys()];
    const results = order.flatMap((id) => {
      const result = this.#results.get(id);
      return result ? [result] : [];
    });
    const actions: GatedAction[] = results.flatMap((result) => result.actions);
    const revision = constitutionRevision(runtime.fleet);
    const orphans = [...this.#orphans.values()];
    const digest = xorDigests(actions.map((action) => actionDigest(action, action.verdict)));
    return planOf(
      { fleet: runtime.fleet, now: runtime.clock(), dryRun: false, orphans },
      {
        id: planIdOf(runtime.fleet, revision, orphans, digest),
        revision,
        summary: summarize({ fleet: runtime.fleet, orphans }, actions),
        actions,
        products: results.filter((result) => runtime.fleet.products.has(result.product)).map((r) => r.status),
      },
    );
  }
}

/** Actions that only wait out a backoff, with how many times they failed. */
function backingOff(actions: readonly GatedAction[]): { action: GatedAction; attempts: number }[] {
  return actions.flatMap((action) => {
    const own = action.blockedBy.filter((blocker) => blocker.type !== 'waiting-on');
    const backoff = own.find((blocker) => blocker.type === 'backoff');
    return backoff?.type === 'backoff' && own.length === 1 ? [{ action, attempts: backoff.attempts }] : [];
  });
}

/**
 * The exit code of `reconcile`, the same in text and JSON. Until converged: 0 every product
 * Ready; 2 converged, but something waits on a person (an approval, a denial, a suspension);
 * 1 a product gave up on errors, an action failed, an observation failed, or `--max-passes`
 * stopped the run first. `--once` and `--dry-run`: 0 when they ran without an error, else 1.
 */
export function reconcileExitCode(
  result: ReconcileResult,
  mode: { once: boolean; dryRun: boolean },
): 0 | 1 | 2 {
  // An action that failed and then succeeded on a retry (a 429, a server back up) is no failure.
  const last = new Map(result.executed.map((action) => [action.actionId, action.outcome]));
  const failed = [...last.values()].includes('failed');
  const observationFailed = result.plan.products.some((status) =>
    Object.values(status.facets).some((facet) => facet.state === 'error'),
  );
  if (failed || observationFailed || result.gaveUp.length > 0) return 1;
  if (mode.once || mode.dryRun) return 0;
  if (!result.converged) return 1;
  const ready = [...result.conditions.values()].every((conditions) =>
    conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True'),
  );
  return ready && result.plan.actions.length === 0 ? 0 : 2;
}

/** Blocked by a product it depends on. */
function waitsForProducts(action: GatedAction): boolean {
  return action.blockedBy.some((blocker) => blocker.type === 'dependency-not-ready');
}

/**
 * Approvals of whole plans, as approvals of each action those plans list: a plan approved by id
 * (`approve <plan id>`) that the state holds (saved by `apply`, or by `approve --plan FILE`).
 */
function planApprovalsByAction(runtime: Runtime): Map<string, Approval[]> {
  const byAction = new Map<string, Approval[]>();
  for (const approval of runtime.store.planApprovals()) {
    const plan = runtime.store.plan(approval.target) as Plan | undefined;
    for (const action of plan?.actions ?? []) {
      const list = byAction.get(action.id) ?? [];
      list.push({ ...approval, target: action.id });
      byAction.set(action.id, list);
    }
  }
  return byAction;
}
