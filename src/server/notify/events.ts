import type { GatedAction } from '../../actions/action.js';
import type { ExecutedAction } from '../../engine/execute.js';
import type { NotifyEvent } from '../../fleet/model.js';
import type { Condition } from '../../store/store.js';

/** The JSON body of one outgoing notification. No secrets: its text is redacted before it is sent. */
export interface OutgoingEvent {
  type: NotifyEvent;
  product: string;
  /** A reason code: the Stalled condition's (`RetriesExhausted`…), `Denied`, `Released`. */
  reason: string;
  message: string;
  /** The actions it is about (a denied action; empty for a stalled product). */
  actions: string[];
  /** The constitution rules that decided (denied). */
  rules?: string[];
  /** The version released, its tag and its notes (released). */
  version?: string;
  tag?: string;
  notes?: string;
  /** When it happened, from the daemon's clock (ISO 8601). */
  at: string;
}

/** What the notifications compare of a product's reconcile: a `ProductResult` is one. */
export interface ReconcileView {
  product: string;
  conditions: readonly Condition[];
  actions: readonly GatedAction[];
  /** What the reconcile ran: a release it cut is announced. */
  executed?: readonly ExecutedAction[];
}

/**
 * The events a product's reconcile calls for, compared with its previous one (undefined: none
 * known, so everything counts as new): `stalled` when its Stalled condition turned True (not at
 * every reconcile while it stays so), `denied` once per action that was not denied before,
 * `released` for each release the reconcile cut (not one it found already tagged).
 */
export function eventsToSend(
  previous: ReconcileView | undefined,
  next: ReconcileView,
  at: Date,
): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  const stalled = stalledCondition(next.conditions);
  if (stalled && !(previous && stalledCondition(previous.conditions))) {
    events.push({
      type: 'stalled',
      product: next.product,
      reason: stalled.reason,
      message: stalled.message,
      actions: [],
      at: at.toISOString(),
    });
  }
  const deniedBefore = new Set(
    previous?.actions.filter((action) => denial(action)).map((action) => action.id),
  );
  for (const action of next.actions) {
    const denied = denial(action);
    if (!denied || deniedBefore.has(action.id)) continue;
    events.push({
      type: 'denied',
      product: next.product,
      reason: 'Denied',
      message: denied.message,
      actions: [action.id],
      rules: denied.rules,
      at: at.toISOString(),
    });
  }
  events.push(...releasedEvents(next, at));
  return events;
}

function releasedEvents(next: ReconcileView, at: Date): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  for (const executed of next.executed ?? []) {
    if (executed.kind !== 'release.cut' || executed.outcome !== 'succeeded' || executed.detail) continue;
    const params = next.actions.find((action) => action.id === executed.actionId)?.params ?? {};
    const version = String(params.version ?? '');
    const tag = String(params.tag ?? '');
    events.push({
      type: 'released',
      product: next.product,
      reason: 'Released',
      message: `${next.product} ${version} is released (tag ${tag})`,
      actions: [executed.actionId],
      version,
      tag,
      notes: String(params.notes ?? ''),
      at: at.toISOString(),
    });
  }
  return events;
}

function stalledCondition(conditions: readonly Condition[]): Condition | undefined {
  return conditions.find((condition) => condition.type === 'Stalled' && condition.status === 'True');
}

function denial(action: GatedAction): { rules: string[]; message: string } | undefined {
  for (const blocker of action.blockedBy) if (blocker.type === 'denied') return blocker;
  return undefined;
}
