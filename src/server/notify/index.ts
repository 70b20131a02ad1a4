/**
 * Outgoing notifications (`spec.watch.notify`): the events a reconcile calls for (events.ts), the
 * endpoints and their signature (endpoints.ts), and the Notifier that queues and retries
 * deliveries (notifier.ts, one Outlet per endpoint in outlet.ts).
 */
export { type NotifyEndpoint, resolveNotifyEndpoints, signBody } from './endpoints.js';
export { eventsToSend, type OutgoingEvent, type ReconcileView } from './events.js';
export { Notifier, type NotifierOptions, type NotifyTimers } from './notifier.js';
