import { applyCommand } from './apply.js';
import { approveCommand } from './approve.js';
import { auditCommand } from './audit.js';
import { constitutionCommand } from './constitution.js';
import type { CliCommand } from './context.js';
import { doctorCommand } from './doctor.js';
import { initCommand } from './init.js';
import { planCommand } from './plan.js';
import { reconcileCommand } from './reconcile.js';
import { releaseCommand } from './release.js';
import { rollbackCommand } from './rollback.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';
import { watchCommand } from './watch.js';

/** Every CLI command, by name. Registered explicitly; a test walks this map. */
export const COMMANDS: ReadonlyMap<string, CliCommand> = new Map(
  [
    initCommand,
    validateCommand,
    planCommand,
    applyCommand,
    reconcileCommand,
    releaseCommand,
    rollbackCommand,
    watchCommand,
    statusCommand,
    approveCommand,
    auditCommand,
    constitutionCommand,
    doctorCommand,
  ].map((command) => [command.name, command]),
);
