import { Cron } from 'croner';
import type { ManifestDocument } from './document.js';
import { problemAt } from './document.js';
import type { Problem } from './problems.js';

/**
 * fleet.yaml's `spec.watch.resync` is a cron expression the daemon schedules with croner: one
 * croner refuses is reported here, at its line, rather than when `watch` starts.
 */
export function checkSchedules(document: ManifestDocument): Problem[] {
  if (document.kind !== 'Fleet') return [];
  const spec = (document.value as { spec?: { watch?: { resync?: unknown } } }).spec;
  const resync = spec?.watch?.resync;
  if (typeof resync !== 'string') return [];
  try {
    new Cron(resync, { paused: true, timezone: 'UTC' }).stop();
    return [];
  } catch (error) {
    return [
      problemAt(
        document,
        '/spec/watch/resync',
        'bad-cron',
        `spec.watch.resync is not a cron expression: ${(error as Error).message}`,
        {
          expected:
            'five fields (minute hour day month weekday), or six with seconds first, such as "0 */6 * * *"',
          found: resync,
        },
      ),
    ];
  }
}
