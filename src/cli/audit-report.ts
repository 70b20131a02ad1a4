import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadFleet } from '../fleet/load.js';
import { redactor } from '../log/redact.js';
import { statePath } from '../store/location.js';
import { openStore } from '../store/sqlite.js';
import type { AuditEntry } from '../store/store.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { writeJson, writeLine } from './context.js';
import type { OutputFormat } from './fleet-options.js';

/** What `codemonkeys audit` was asked for. */
export interface AuditOptions {
  product?: string;
  limit?: number;
  verify?: boolean;
  format: OutputFormat;
}

/**
 * The state file of the fleet at `fleet` (a path relative to `cwd`): `$CODEMONKEYS_STATE`, else
 * `spec.state.sqlite` of the fleet when it loads, else the default under the fleet directory.
 */
export async function findStatePath(
  fleet: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  now: Date,
): Promise<string> {
  const fleetDir = resolve(cwd, fleet);
  if (env.CODEMONKEYS_STATE) return statePath(fleetDir, undefined, env);
  let configured: string | undefined;
  try {
    const loaded = await loadFleet({ fleet, cwd, env, now });
    configured = loaded.fleet?.fleet.manifest.spec.state?.sqlite;
  } catch {
    // An unreadable fleet still has its state at the default place; audit reads state, not the fleet.
  }
  return statePath(fleetDir, configured, env);
}

/**
 * Lists the audit log of the state file at `path`, or verifies its chain, and returns the exit
 * code: 0, or 1 when there is no state yet or the chain is broken. Opens the file read-only.
 */
export function runAudit(
  path: string,
  options: AuditOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): number {
  if (!existsSync(path)) {
    writeLine(io.stderr, `no state yet at ${path}: run codemonkeys reconcile first`);
    return 1;
  }
  const store = openStore(path, { readonly: true });
  try {
    if (options.verify) {
      const verification = store.verifyAudit();
      if (options.format === 'json') writeJson(io.stdout, JSON.stringify(verification, null, 2));
      else if (verification.ok) writeLine(io.stdout, `audit chain intact: ${verification.entries} entries`);
      else
        writeLine(
          io.stdout,
          `audit chain broken at entry #${verification.brokenAt}: ${verification.problem}`,
        );
      return verification.ok ? 0 : 1;
    }
    const entries = store.audit({ product: options.product, limit: options.limit });
    if (options.format === 'json') writeJson(io.stdout, JSON.stringify(entries, null, 2));
    else for (const entry of entries) writeLine(io.stdout, formatAuditLine(entry));
    return 0;
  } finally {
    store.close();
  }
}

/** One entry on one line: seq, time, type, product, actor, and a short summary of its data. */
export function formatAuditLine(entry: AuditEntry): string {
  const columns = [
    `#${entry.seq}`,
    entry.at,
    auditCell(entry.type).padEnd(17),
    auditCell(entry.product ?? '-').padEnd(20),
    auditCell(entry.actor),
    auditCell(summarizeAuditData(entry.data)),
  ];
  return columns.join('  ').trimEnd();
}

/** A column on one line: redacted, then escaped, so that a secret holding a control is still found. */
function auditCell(text: string): string {
  return terminalSafe(redactor.redactText(text));
}

const SUMMARY_WIDTH = 100;

/** `key=value` for the scalar fields of the data (nested ones by their key), cut at a readable width. */
export function summarizeAuditData(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object' || Array.isArray(data)) return truncate(JSON.stringify(data));
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') {
      const message = (value as { message?: unknown }).message;
      parts.push(typeof message === 'string' ? `${key}="${message}"` : `${key}=…`);
    } else {
      parts.push(`${key}=${String(value)}`);
    }
  }
  return truncate(parts.join(' '));
}

function truncate(text: string): string {
  return text.length <= SUMMARY_WIDTH ? text : `${text.slice(0, SUMMARY_WIDTH - 1)}…`;
}
