import PQueue from 'p-queue';
import type { Action, GatedAction } from '../actions/action.js';
import { CodemonkeysError } from '../errors.js';
import type { ActuateContext, Actuator } from '../facets/actuator.js';
import type { Logger } from '../log/logger.js';
import { redactor } from '../log/redact.js';
import type { JournalEntry, StateStore } from '../store/store.js';
import { actionFolder, removeActionFolder } from './action-folders.js';
import { backoffDelayMs } from './backoff.js';
import { runnableIds } from './gate.js';
import type { ActionLease } from './lease.js';
import type { Plan } from './plan-model.js';

export type ActionOutcome = 'succeeded' | 'failed' | 'skipped';

export interface ExecutedAction {
  actionId: string;
  product: string;
  kind: string;
  /** The deploy environment it targeted, if any. */
  environment?: string;
  outcome: ActionOutcome;
  /** Why it was skipped or how it failed. */
  detail?: string;
}

export interface ExecutorOptions {
  store: StateStore;
  context: ActuateContext;
  actuators: ReadonlyMap<string, Actuator>;
  runId: string;
  /** Actions running at once, over all products. */
  concurrency: number;
  /** Tighter limits per backend (`local`, `jenkins`, `ansible`…), by the backend an action uses. */
  perBackend?: Readonly<Record<string, number>>;
  /** Delay before retrying an action after its n-th transient failure; default `backoffDelayMs`. */
  backoff?: (attempts: number) => number;
  /**
   * The reconciler lease this process holds (actionLease): renewed while actions run, checked
   * before each starts, both at `context.now()`; once it is lost, nothing else starts. Absent: no
   * lease is kept (dry runs, tests).
   */
  lease?: ActionLease;
}

export interface ExecuteOptions extends ExecutorOptions {
  plan: Plan;
}

/**
 * Act: runs the plan's runnable actions, each after the actions it depends on have succeeded,
 * with bounded concurrency. Every action's intent is journaled before it runs and its outcome
 * after; a key that already succeeded is not run again.
 */
export async function executePlan(options: ExecuteOptions): Promise<ExecutedAction[]> {
  const executor = new Executor(options);
  await executor.submit(options.plan.actions, options.plan.id);
  return executor.finish();
}

/**
 * Runs actions as they are handed in, batch after batch (one per product reconcile, or a whole
 * plan): one concurrency limit and one limit per backend over all of them, an action at most once
 * at a time however often it is handed in (handed in again after it ended, it runs again: the
 * journal says whether it may), an action after the actions it depends on (from any batch) have
 * succeeded. With a lease, it renews the lease while actions run and starts none once the lease
 * is lost. Every failure, the journal's included, ends as that action's outcome: a batch never
 * rejects.
 */
export class Executor {
  readonly #options: ExecutorOptions;
  readonly #queue: PQueue;
  readonly #backendQueues = new Map<string, PQueue>();
  /** Actions running or waiting to run, by id. */
  readonly #pending = new Map<string, Promise<ExecutedAction>>();
  /** How each action that ended did, the last time it ran. */
  readonly #outcomes = new Map<string, ActionOutcome>();
  readonly #byId = new Map<string, GatedAction>();
  readonly #results: ExecutedAction[] = [];
  /** Actions started and not yet ended: the lease is renewed while there are any. */
  #running = 0;
  #renewal: NodeJS.Timeout | undefined;
  /** Why no action may start any more: the lease was lost, or the reconciler is stopping. */
  #lost: string | undefined;

  constructor(options: ExecutorOptions) {
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
  }

  /**
   * Runs the runnable ones of `actions` (runnableIds), journaled under `planId`, with `context`
   * (the runtime they were planned in; the executor's own by default); what they did.
   */
  async submit(
    actions: readonly GatedAction[],
    planId: string | null,
    context: ActuateContext = this.#options.context,
  ): Promise<ExecutedAction[]> {
    for (const action of actions) this.#byId.set(action.id, action);
    const runnable = runnableIds(actions);
    const batch = actions.filter((action) => runnable.has(action.id));
    const ended: ExecutedAction[] = [];
    await Promise.all(
      batch.map(async (action) => {
        const outcome = await this.#run(action, planId, context);
        ended.push(outcome);
      }),
    );
    return ended;
  }

  /**
   * Goes on with actions a reconciler that died left running (takeLease): each is handed to this
   * run in the journal without a new attempt, and its actuator called again for the same
   * attempt, which waits for the detached run or reads how it ended. No gate: they were gated
   * when they started, and their effect is under way or done. What they did.
   */
  async resume(entries: readonly JournalEntry[], context = this.#options.context): Promise<ExecutedAction[]> {
    const resumed = entries.flatMap((entry) =>
      entry.action ? [this.#run(entry.action, entry.planId, context, true)] : [],
    );
    return Promise.all(resumed);
  }

  /**
   * Starts no action any more (a SIGTERM): what runs goes on to its end, what waits is skipped
   * with `why`, and the journal keeps nothing of it, so the next run plans it again.
   */
  stop(why: string): void {
    this.#lost ??= why;
  }

  /** Waits for everything handed in; what ran, in the order it ended. */
  async finish(): Promise<ExecutedAction[]> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending.values()]);
    this.#stopRenewal();
    return this.#results;
  }

  /** Never rejects: a failure anywhere is the action's `failed` outcome. */
  #run(
    action: Action,
    planId: string | null,
    context: ActuateContext,
    resume = false,
  ): Promise<ExecutedAction> {
    const existing = this.#pending.get(action.id);
    if (existing) return existing;
    const attempt = resume
      ? this.#queue
          .add(() => this.#start(action, planId, context, resume))
          .then((done) => done as ExecutedAction)
      : this.#attempt(action as GatedAction, planId, context);
    const promise = attempt
      .catch((error: unknown) => this.#failed(action, error))
      .then((result) => {
        this.#results.push(result);
        this.#outcomes.set(action.id, result.outcome);
        this.#pending.delete(action.id);
        return result;
      });
    this.#pending.set(action.id, promise);
    return promise;
  }

  async #attempt(
    action: GatedAction,
    planId: string | null,
    context: ActuateContext,
  ): Promise<ExecutedAction> {
    const deps = action.dependsOn.filter((dep) => this.#byId.has(dep));
    const outcomes = await Promise.all(
      deps.map((dep) => {
        const running = this.#pending.get(dep);
        if (running) return running.then((done) => done.outcome);
        return Promise.resolve(this.#outcomes.get(dep) ?? 'skipped');
      }),
    );
    if (outcomes.some((outcome) => outcome !== 'succeeded'))
      return skipped(action, 'an action it depends on did not succeed');
    const limited = backendQueue(this.#backendQueues, this.#options.perBackend, action);
    // An action whose dependencies just finished goes before those not started yet: a product's
    // build starts right after its job is made, not after every other product's job.
    const priority = deps.length;
    const work = () => this.#queue.add(() => this.#start(action, planId, context), { priority });
    return (await (limited ? limited.add(work, { priority }) : work())) as ExecutedAction;
  }

  /** The moment an action would start: only under the lease, which is kept alive until it ends. */
  async #start(
    action: Action,
    planId: string | null,
    context: ActuateContext,
    resume = false,
  ): Promise<ExecutedAction> {
    const lost = this.#leaseLost();
    if (lost !== undefined) return skipped(action, lost);
    this.#running++;
    try {
      return await runOne(action, planId, { ...this.#options, context }, resume);
    } finally {
      this.#running--;
      if (this.#running === 0) this.#stopRenewal();
    }
  }

  /** Why no action may start now, or undefined; the lease is then renewed until nothing runs. */
  #leaseLost(): string | undefined {
    const lease = this.#options.lease;
    if (this.#lost !== undefined || !lease) return this.#lost;
    // After a quiet spell (observing, planning) the lease may be close to its end: renew it first.
    if (this.#running === 0) this.#renew(lease);
    this.#lost = lease.lost(this.#options.context.now());
    if (this.#lost !== undefined) {
      const { logger } = this.#options.context;
      logger.warn(
        { runId: this.#options.runId, detail: this.#lost },
        'reconciler lease lost: no action starts',
      );
      return this.#lost;
    }
    if (!this.#renewal) {
      this.#renewal = setInterval(() => this.#renew(lease), lease.renewEveryMs);
      // An action's own work keeps the process alive, never the renewal of its lease.
      this.#renewal.unref();
    }
    return undefined;
  }

  #stopRenewal(): void {
    clearInterval(this.#renewal);
    this.#renewal = undefined;
  }

  /** Runs from a timer: a failure is logged (the next start's check refuses), never thrown. */
  #renew(lease: ActionLease): void {
    const logger = this.#options.context.logger;
    try {
      if (!lease.renew(this.#options.context.now()))
        logger.warn({ runId: this.#options.runId }, 'reconciler lease not renewed: not held');
    } catch (error) {
      logger.warn({ runId: this.#options.runId, err: error }, 'reconciler lease not renewed');
    }
  }

  /** An action whose bookkeeping (journal, lease) threw: failed, with the error's message. */
  #failed(action: Action, error: unknown): ExecutedAction {
    const detail = describeFailure(error).error.message;
    this.#options.context.logger.warn(
      { product: action.product, action: action.id, runId: this.#options.runId, detail },
      'action failed outside its actuator',
    );
    return { ...base(action), outcome: 'failed', detail };
  }
}

/**
 * One action: its intent journaled (or, resumed, the intent a dead process left handed to this
 * run), its actuator called in the attempt's folder, its outcome journaled, the folder removed.
 */
async function runOne(
  action: Action,
  planId: string | null,
  options: ExecutorOptions,
  resume: boolean,
): Promise<ExecutedAction> {
  const { store, context } = options;
  let entry: JournalEntry;
  if (resume) {
    entry = store.resumeAction(action.idempotencyKey, { runId: options.runId, now: context.now() });
  } else {
    const begun = store.beginAction(action, { planId, runId: options.runId, now: context.now() });
    if (begun.status === 'already-succeeded')
      return { ...base(action), outcome: 'succeeded', detail: 'already done (same idempotency key)' };
    if (begun.status !== 'started') return skipped(action, `journal says ${begun.status}`);
    entry = begun.entry;
  }
  const actuator = options.actuators.get(action.kind);
  const logger = context.logger.child({
    product: action.product,
    action: action.id,
    kind: action.kind,
    runId: options.runId,
  });
  const actionDir = actionFolder(context.stateDir, entry);
  const executed = await actuate(
    action,
    { ...context, actionDir },
    entry,
    { ...options, logger },
    actuator,
    resume,
  );
  // Only once the journal holds the outcome: until then the folder tells the next process what ran.
  await removeActionFolder(actionDir);
  return executed;
}

async function actuate(
  action: Action,
  context: ActuateContext,
  entry: JournalEntry,
  options: ExecutorOptions & { logger: Logger },
  actuator: Actuator | undefined,
  resume: boolean,
): Promise<ExecutedAction> {
  const { store, logger } = options;
  try {
    if (!actuator)
      throw new CodemonkeysError(`no actuator is registered for ${action.kind}`, {
        reason: 'NoActuator',
        next: 'stalled',
      });
    // The intent is on disk before anything is done: after a power cut, the action is known to have maybe run.
    await store.whenDurable();
    logger.info(resume ? 'action resumed' : 'action started');
    const result = await actuator(action, context);
    store.finishAction(action.idempotencyKey, { state: 'succeeded', result }, context.now());
    logger.info('action succeeded');
    return { ...base(action), outcome: 'succeeded' };
  } catch (error) {
    const failure = describeFailure(error);
    const now = context.now();
    const retryAt =
      failure.next === 'stalled'
        ? null
        : new Date(
            now.getTime() + (failure.retryAfterMs ?? (options.backoff ?? backoffDelayMs)(entry.attempts)),
          ).toISOString();
    store.finishAction(action.idempotencyKey, { state: 'failed', error: failure.error, retryAt }, now);
    logger.warn({ reason: failure.error.reason, next: failure.next, retryAt }, 'action failed');
    return { ...base(action), outcome: 'failed', detail: failure.error.message };
  }
}

function describeFailure(error: unknown) {
  const known = error instanceof CodemonkeysError;
  const message = redactor.redactText(error instanceof Error ? error.message : String(error));
  const next = known ? error.next : 'transient';
  return {
    next,
    retryAfterMs: known ? error.retryAfterMs : undefined,
    error: { message, reason: known ? error.reason : 'Unexpected', next },
  };
}

function backendQueue(
  queues: Map<string, PQueue>,
  limits: ExecutorOptions['perBackend'],
  action: GatedAction,
): PQueue | undefined {
  const backend = typeof action.params.ci === 'string' ? action.params.ci : action.facet;
  const limit = limits?.[backend];
  if (limit === undefined) return undefined;
  let queue = queues.get(backend);
  if (!queue) {
    queue = new PQueue({ concurrency: limit });
    queues.set(backend, queue);
  }
  return queue;
}

function base(action: Action): Omit<ExecutedAction, 'outcome'> {
  const done: Omit<ExecutedAction, 'outcome'> = {
    actionId: action.id,
    product: action.product,
    kind: action.kind,
  };
  if (action.environment !== undefined) done.environment = action.environment;
  return done;
}

function skipped(action: Action, detail: string): ExecutedAction {
  return { ...base(action), outcome: 'skipped', detail };
}
