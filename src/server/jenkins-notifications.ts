import { isFinal, parseJenkinsNotification } from '../backends/jenkins/notifications.js';
import { type ReconcileOptions, type ReconcileResult, reconcile } from '../engine/reconcile.js';

export type NotificationReconcileOptions = Omit<
  ReconcileOptions,
  'product' | 'once' | 'dryRun' | 'maxPasses'
> & {
  /** The fleet's Jenkins folder (fleet.yaml `spec.ci.jenkins.folder`), under which jobs are found. */
  folder?: string;
};

/**
 * The webhook handler for Jenkins' Notification plugin: a FINALIZED build of one of the fleet's
 * jobs triggers one reconcile pass of that product, so a finished build is acted on at once
 * instead of at the next interval. Other phases and other jobs are ignored (undefined).
 */
export async function reconcileOnJenkinsNotification(
  body: unknown,
  options: NotificationReconcileOptions,
): Promise<ReconcileResult | undefined> {
  const notification = parseJenkinsNotification(body, options.folder);
  if (!notification || !isFinal(notification)) return undefined;
  const { folder: _folder, ...rest } = options;
  return reconcile({ ...rest, product: notification.product, once: true, dryRun: false, maxPasses: 1 });
}
