import { terminalSafe } from '../../util/terminal-safe.js';
import { runnableIds } from '../gate.js';
import type { Plan } from '../plan-model.js';
import { describeBlocker, describeVerdict, hardBlockers, nameActions } from './words.js';

/**
 * A plan for a terminal: header, one line per action (and why it waits), product status, summary.
 * What comes from manifests, state or tools is escaped (terminalSafe): columns as one line, a reason
 * or a blocker over as many lines as it has, each indented under the action.
 */
export function renderPlanText(plan: Plan): string {
  const lines: string[] = [];
  if (plan.dryRun) lines.push('DRY RUN: observed, planned and gated; nothing will be executed.', '');
  const at = plan.fleet.revision
    ? ` at ${plan.fleet.revision.slice(0, 12)}${plan.fleet.dirty ? ' (uncommitted changes)' : ''}`
    : '';
  lines.push(
    `Plan ${plan.id.slice(0, 16)} for ${terminalSafe(plan.fleet.source)}${at}`,
    `constitution ${terminalSafe(plan.constitutionRevision)}`,
    '',
  );
  const runnable = runnableIds(plan.actions);
  if (plan.actions.length === 0)
    lines.push(
      'No changes: every product is where its spec says, or waiting on something already under way.',
    );
  for (const action of plan.actions) {
    const mark = runnable.has(action.id)
      ? '+'
      : hardBlockers(action).some((b) => b.type === 'denied')
        ? '!'
        : '~';
    lines.push(
      `  ${mark} ${terminalSafe(action.kind).padEnd(16)} ${terminalSafe(action.product).padEnd(24)} ${action.id}  ${terminalSafe(describeVerdict(action))}`,
    );
    lines.push(`      ${indented(action.reason, 6)}`);
    const name = nameActions(plan.actions, action.product);
    for (const blocker of action.blockedBy)
      lines.push(
        `      ${blocker.type === 'waiting-on' ? '·' : '✗'} ${indented(describeBlocker(blocker, name), 8)}`,
      );
  }
  if (plan.products.length > 0) {
    lines.push('', 'Products:');
    for (const product of plan.products) {
      const facets = Object.entries(product.facets).map(
        ([facet, status]) => `${facet} ${status.state} (${terminalSafe(status.reason)})`,
      );
      lines.push(
        `  ${terminalSafe(product.product).padEnd(24)} ${product.suspended ? 'suspended; ' : ''}${facets.join(', ') || 'no facets'}`,
      );
    }
  }
  if (plan.orphans.length > 0) {
    lines.push('', 'Orphaned (removed from the fleet):');
    for (const orphan of plan.orphans)
      lines.push(
        `  ${terminalSafe(orphan.product).padEnd(24)} since ${orphan.orphanedAt ?? 'now'}; ${orphan.prune ? 'prune requested' : 'left alone'}`,
      );
  }
  const { summary } = plan;
  lines.push(
    '',
    `Summary: ${summary.actions} action${summary.actions === 1 ? '' : 's'} (${summary.runnable} runnable, ${summary.blocked} blocked) over ${summary.products} products; ` +
      `allow ${summary.byEffect.allow}, warn ${summary.byEffect.warn}, require-approval ${summary.byEffect['require-approval']}, deny ${summary.byEffect.deny}` +
      (summary.orphans > 0 ? `; ${summary.orphans} orphaned` : ''),
  );
  return `${lines.join('\n')}\n`;
}

/** Text over the lines it has, escaped, each line after the first indented by `width` spaces. */
function indented(text: string, width: number): string {
  return terminalSafe(text, { multiline: true }).replace(/\n/g, `\n${' '.repeat(width)}`);
}
