import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ActionOutcome } from '../engine/execute.js';
import type { ProductOutcome, ProductResult } from '../engine/product.js';
import type { WebhookResult } from './webhooks/receive.js';
import type { WebhookSource } from './webhooks/request.js';
import { WEBHOOK_RECEIVERS } from './webhooks/sources.js';

/** Every result a webhook request can have (webhooks/receive.ts says what each means): the label's values. */
const WEBHOOK_RESULTS: ReadonlySet<string> = new Set<WebhookResult>([
  'accepted',
  'unmatched',
  'ignored',
  'duplicate',
  'unauthorized',
  'too-large',
  'malformed',
  'disabled',
  'failed',
]);
const OUTCOMES: readonly ProductOutcome['type'][] = ['done', 'requeue', 'error'];
const ACTION_OUTCOMES: ReadonlySet<string> = new Set<ActionOutcome>(['succeeded', 'failed', 'skipped']);

/** Seconds, from a quick no-op reconcile to one that waited on a long apply. */
export const RECONCILE_DURATION_BUCKETS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

export interface DaemonMetricsOptions {
  /** The queue's depth, read at each scrape; without it the daemon calls `queueDepth(n)`. */
  queueDepth?: () => number;
  /** prom-client's process metrics (CPU, memory, event loop lag, GC) on the same registry; default true. */
  processMetrics?: boolean;
}

/**
 * The daemon's Prometheus metrics, on a registry of its own (never prom-client's global one, so
 * two daemons or two tests in one process do not share counters). Label values are bounded:
 * outcomes, facet and action kind names from the registries, webhook sources and results —
 * never a product id, a URL or user text.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #reconciles: Counter<'outcome'>;
  readonly #duration: Histogram;
  readonly #queueDepth: Gauge;
  readonly #actions: Counter<'kind' | 'outcome'>;
  readonly #webhooks: Counter<'source' | 'result'>;
  /** Per product, its facets that were not ready at its last reconcile. */
  readonly #drifted = new Map<string, ReadonlySet<string>>();
  /** Every facet seen, so that a facet whose drift ended shows 0 rather than vanishing. */
  readonly #facets = new Set<string>();

  constructor(options: DaemonMetricsOptions = {}) {
    const registers = [this.registry];
    this.#reconciles = new Counter({
      name: 'codemonkeys_reconciles_total',
      help: 'Product reconciles ended, by outcome (done, requeue, error).',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of OUTCOMES) this.#reconciles.inc({ outcome }, 0);
    this.#duration = new Histogram({
      name: 'codemonkeys_reconcile_duration_seconds',
      help: 'How long one product reconcile took, observe to status written.',
      buckets: [...RECONCILE_DURATION_BUCKETS],
      registers,
    });
    const depth = options.queueDepth;
    this.#queueDepth = new Gauge({
      name: 'codemonkeys_queue_depth',
      help: 'Products waiting in the work queue.',
      registers,
      ...(depth ? { collect: () => this.#queueDepth.set(depth()) } : {}),
    });
    this.#actions = new Counter({
      name: 'codemonkeys_actions_total',
      help: 'Actions carried out, by kind and outcome (succeeded, failed, skipped).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    const drifted = this.#countDrift.bind(this);
    new Gauge({
      name: 'codemonkeys_drift_products',
      help: 'Products with this facet not ready at their last reconcile.',
      labelNames: ['facet'],
      registers,
      collect() {
        this.reset();
        for (const [facet, count] of drifted()) this.set({ facet }, count);
      },
    });
    this.#webhooks = new Counter({
      name: 'codemonkeys_webhook_requests_total',
      help: 'Webhook requests, by source and result.',
      labelNames: ['source', 'result'],
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** One product's reconcile ended: its outcome, its duration, the actions it ran and its facets' drift. */
  reconciled(result: ProductResult, seconds: number): void {
    this.#reconciles.inc({ outcome: result.outcome.type });
    this.#duration.observe(seconds);
    for (const executed of result.executed) {
      const outcome = ACTION_OUTCOMES.has(executed.outcome) ? executed.outcome : 'other';
      this.#actions.inc({ kind: executed.kind, outcome });
    }
    this.facetsSeen(result.product, result.status.facets);
  }

  /** A product's facets as last observed (keeps the last state per product; a product without facets is forgotten). */
  facetsSeen(product: string, facets: Readonly<Record<string, { state: string }>>): void {
    const notReady = new Set<string>();
    for (const [facet, { state }] of Object.entries(facets)) {
      this.#facets.add(facet);
      if (state !== 'ready') notReady.add(facet);
    }
    if (Object.keys(facets).length === 0) this.#drifted.delete(product);
    else this.#drifted.set(product, notReady);
  }

  /** A product left the fleet: it no longer counts as drifted. */
  forget(product: string): void {
    this.#drifted.delete(product);
  }

  /** The work queue's depth now (unless a `queueDepth` callback was given). */
  queueDepth(depth: number): void {
    this.#queueDepth.set(depth);
  }

  /** A webhook request was answered; unknown sources or results are counted as `other`, keeping labels bounded. */
  webhookRequest(source: WebhookSource, result: WebhookResult): void {
    this.#webhooks.inc({
      source: WEBHOOK_RECEIVERS.has(source) ? source : 'other',
      result: WEBHOOK_RESULTS.has(result) ? result : 'other',
    });
  }

  /** The exposition text for `GET /metrics`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The `Content-Type` of `text()`: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #countDrift(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const facet of this.#facets) counts.set(facet, 0);
    for (const facets of this.#drifted.values()) {
      for (const facet of facets) counts.set(facet, (counts.get(facet) ?? 0) + 1);
    }
    return counts;
  }
}
