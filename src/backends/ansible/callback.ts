/**
 * Reading what ansible-playbook printed through the JSON stdout callback.
 *
 * The shape is ansible.posix's `json` callback (plugins/callback/json.py in
 * ansible-collections/ansible.posix), which playbooks/callback_plugins/codemonkeys_json.py
 * repeats on one line because ansible-core no longer ships a JSON callback:
 *   { plays: [{ play: { name, id }, tasks: [{ task: { name, id, action? }, hosts: { <host>: <result> } }] }],
 *     stats: { <host>: { ok, changed, failures, unreachable, skipped, rescued, ignored } },
 *     custom_stats: { <host>: {…} }, global_custom_stats: {…} }
 * A host's result is the module's return value with `failed` / `skipped` / `unreachable` set by
 * the event (ours adds `ignored`; posix puts `action` there instead of on the task).
 * Parsed leniently: unknown fields are ignored, missing ones take neutral defaults.
 */

/** What one task did on one host. In check mode, `changed` means "would change". */
export type TaskStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

/** One task's outcome on one host. */
export interface TaskResult {
  play: string;
  task: string;
  /** The module or action, such as `ansible.builtin.copy`. */
  action: string;
  host: string;
  status: TaskStatus;
  /** A failure that `ignore_errors` let pass: the run went on and does not count it as failed. */
  ignored: boolean;
  /** For failed and unreachable results: the module's message, with the last line of stderr when it has one. */
  message?: string;
  /** What `--diff` showed for this task (the module's `diff`, or each loop item's), when it showed anything. */
  diff?: unknown;
  /** The module's other return values (censored by Ansible for `no_log` tasks), without `invocation`. */
  data: Record<string, unknown>;
}

/** The play recap of one host. */
export interface HostStats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** Everything the callback printed, as data. */
export interface ParsedRun {
  tasks: TaskResult[];
  hosts: Record<string, HostStats>;
  /** `set_stats` data: `perHost` for `per_host: true`, `run` for the rest. */
  customStats: { perHost: Record<string, Record<string, unknown>>; run: Record<string, unknown> };
}

/** The longest failure message kept: a module that fails with a whole file in `msg` should not fill the journal. */
const MAX_MESSAGE_CHARS = 2000;

const HOST_STAT_KEYS = ['ok', 'changed', 'failures', 'unreachable', 'skipped', 'rescued', 'ignored'] as const;

/** Keys that are bookkeeping, not the module's answer. */
const DROPPED_KEYS = new Set(['invocation', 'diff', 'failed', 'skipped', 'unreachable', 'ignored', 'action']);

/**
 * Finds the run document in ansible-playbook's stdout and reads it; undefined when there is none
 * (the playbook never ran: a syntax error, bad options, a kill).
 */
export function parseCallbackOutput(stdout: string): ParsedRun | undefined {
  const document = findRunDocument(stdout);
  return document ? readRun(document) : undefined;
}

/** The last JSON object in stdout that looks like a run: other lines (a stray print, a warning) are skipped. */
function findRunDocument(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n');
  for (let start = lines.length - 1; start >= 0; start--) {
    if (!lines[start]?.startsWith('{')) continue;
    const parsed = tryParse(lines.slice(start).join('\n'));
    if (parsed && (Array.isArray(parsed.plays) || isRecord(parsed.stats))) return parsed;
  }
  return undefined;
}

function tryParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function readRun(document: Record<string, unknown>): ParsedRun {
  const tasks: TaskResult[] = [];
  for (const play of asArray(document.plays)) {
    const playName = asString(asRecord(asRecord(play).play).name);
    for (const entry of asArray(asRecord(play).tasks)) {
      const task = asRecord(asRecord(entry).task);
      for (const [host, result] of Object.entries(asRecord(asRecord(entry).hosts))) {
        tasks.push(readTaskResult(playName, task, host, asRecord(result)));
      }
    }
  }
  const hosts: Record<string, HostStats> = {};
  for (const [host, stats] of Object.entries(asRecord(document.stats))) hosts[host] = readHostStats(stats);
  const perHost: Record<string, Record<string, unknown>> = {};
  for (const [host, data] of Object.entries(asRecord(document.custom_stats))) perHost[host] = asRecord(data);
  return { tasks, hosts, customStats: { perHost, run: asRecord(document.global_custom_stats) } };
}

function readTaskResult(
  play: string,
  task: Record<string, unknown>,
  host: string,
  result: Record<string, unknown>,
): TaskResult {
  const status = statusOf(result);
  const out: TaskResult = {
    play,
    task: asString(task.name),
    action: asString(task.action) || asString(result.action),
    host,
    status,
    ignored: status === 'failed' && result.ignored === true,
    data: dataOf(result),
  };
  if (status === 'failed' || status === 'unreachable') {
    const message = messageOf(result);
    if (message) out.message = message;
  }
  const diff = diffOf(result);
  if (diff !== undefined) out.diff = diff;
  return out;
}

/** The event's flags first: a failed task may also say `changed: true` (a command that ran and failed). */
export function statusOf(result: Record<string, unknown>): TaskStatus {
  if (result.unreachable === true) return 'unreachable';
  if (result.failed === true) return 'failed';
  if (result.skipped === true) return 'skipped';
  return result.changed === true ? 'changed' : 'ok';
}

/**
 * What a person needs to see of a failure: `msg` (or `reason`, or `censored` for no_log tasks), the first
 * failed loop item's, and the last line of stderr when `msg` is only "non-zero return code".
 */
export function messageOf(result: Record<string, unknown>): string | undefined {
  const failedItem = asArray(result.results)
    .map(asRecord)
    .find((item) => item.failed === true);
  const source = failedItem ?? result;
  const parts: string[] = [];
  // `reason` is where Ansible explains a failed include.
  const msg =
    asString(source.msg) || asString(source.reason) || asString(source.censored) || asString(result.msg);
  if (msg) parts.push(msg.trim());
  const stderr = lastLine(asString(source.stderr) || asString(source.module_stderr));
  if (stderr && !parts.some((part) => part.includes(stderr))) parts.push(stderr);
  const message = parts.join(': ');
  if (!message) return undefined;
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
}

/** Only what changed (or would): an unchanged file still carries a `diff` of its path, which is noise. */
function diffOf(result: Record<string, unknown>): unknown {
  if (result.changed !== true) return undefined;
  if (hasContent(result.diff)) return result.diff;
  const itemDiffs = asArray(result.results)
    .map(asRecord)
    .filter((item) => item.changed === true)
    .map((item) => item.diff)
    .filter(hasContent);
  return itemDiffs.length > 0 ? itemDiffs : undefined;
}

/** The module's answer, without bookkeeping; loop items lose `invocation` and `diff` too (the diff is the task's). */
function dataOf(result: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) {
    if (DROPPED_KEYS.has(key) || key.startsWith('_ansible')) continue;
    data[key] = key === 'results' ? asArray(value).map((item) => itemData(asRecord(item))) : value;
  }
  return data;
}

function itemData(item: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (key === 'invocation' || key === 'diff' || key.startsWith('_ansible')) continue;
    data[key] = value;
  }
  return data;
}

function readHostStats(value: unknown): HostStats {
  const record = asRecord(value);
  const stats = {} as HostStats;
  for (const key of HOST_STAT_KEYS) {
    const count = record[key];
    stats[key] = typeof count === 'number' && Number.isFinite(count) ? count : 0;
  }
  return stats;
}

function hasContent(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return isRecord(value) && Object.keys(value).length > 0;
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return (lines[lines.length - 1] ?? '').trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
