import { resolve } from 'node:path';

/** Where the state file is when the fleet does not say: inside the fleet repo, git-ignored. */
export const DEFAULT_STATE_FILE = '.codemonkeys/state.db';

/**
 * The state file of a fleet: `$CODEMONKEYS_STATE` when set, else the fleet's `spec.state.sqlite`
 * (relative to the fleet directory), else `.codemonkeys/state.db` in the fleet directory.
 */
export function statePath(
  fleetDir: string,
  fleetSpecSqlite?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const fromEnv = env.CODEMONKEYS_STATE;
  if (fromEnv) return resolve(fleetDir, fromEnv);
  return resolve(fleetDir, fleetSpecSqlite ?? DEFAULT_STATE_FILE);
}
