import type { ExecutedAction } from '../engine/execute.js';
import type { Condition } from '../store/store.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { writeLine } from './context.js';

// A table cell is one line: ids, reasons and messages are escaped (terminalSafe) before they are padded.

/** One line per executed action: outcome, kind, product, and why when it did not succeed. */
export function printExecuted(stream: NodeJS.WritableStream, executed: ExecutedAction[]): void {
  for (const action of executed) {
    const mark = action.outcome === 'succeeded' ? '✓' : action.outcome === 'failed' ? '✗' : '-';
    writeLine(
      stream,
      `  ${mark} ${terminalSafe(action.kind).padEnd(16)} ${terminalSafe(action.product).padEnd(24)} ${action.outcome}${action.detail ? `: ${terminalSafe(action.detail)}` : ''}`,
    );
  }
}

/** The Ready / Reconciling / Stalled conditions of each product, as a table. */
export function printConditions(stream: NodeJS.WritableStream, conditions: Map<string, Condition[]>): void {
  writeLine(
    stream,
    `  ${'PRODUCT'.padEnd(24)} ${'READY'.padEnd(6)} ${'STATUS'.padEnd(12)} ${'REASON'.padEnd(18)} MESSAGE`,
  );
  for (const [product, list] of [...conditions].sort(([a], [b]) => a.localeCompare(b))) {
    const ready = list.find((condition) => condition.type === 'Ready');
    const stalled = list.find((condition) => condition.type === 'Stalled' && condition.status === 'True');
    const reconciling = list.find(
      (condition) => condition.type === 'Reconciling' && condition.status === 'True',
    );
    const state = stalled
      ? 'Stalled'
      : reconciling
        ? 'Reconciling'
        : ready?.status === 'True'
          ? 'Ready'
          : 'NotReady';
    const shown = stalled ?? reconciling ?? ready;
    const message = (shown?.message ?? '').split(/\r?\n/)[0] ?? '';
    writeLine(
      stream,
      `  ${terminalSafe(product).padEnd(24)} ${(ready?.status ?? 'Unknown').padEnd(6)} ${state.padEnd(12)} ${terminalSafe(shown?.reason ?? '').padEnd(18)} ${terminalSafe(message)}`,
    );
  }
}
