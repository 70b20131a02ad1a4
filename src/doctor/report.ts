import { terminalSafe } from '../util/terminal-safe.js';
import { type ServerCheck, serverAnswered } from './servers.js';
import type { ToolCheck } from './tools.js';

/** Where the servers came from: the fleet repo, or why none were checked. */
export interface FleetNote {
  /** The fleet repo doctor looked at (directory or URL). */
  source: string;
  /** True when a fleet was loaded, so its configured servers were checked. */
  loaded: boolean;
  /** Why no fleet servers were checked, or other news about the fleet; null when there is none. */
  message: string | null;
}

/** Everything `codemonkeys doctor` found; `--format json` prints exactly this object. */
export interface DoctorReport {
  /** Every required tool is ok and every configured server answered. */
  ok: boolean;
  tools: ToolCheck[];
  servers: ServerCheck[];
  fleet: FleetNote;
}

/** Assembles the report and decides `ok`. */
export function buildReport(tools: ToolCheck[], servers: ServerCheck[], fleet: FleetNote): DoctorReport {
  const toolsOk = tools.every((tool) => !tool.required || tool.status === 'ok');
  return { ok: toolsOk && servers.every(serverAnswered), tools, servers, fleet };
}

/** The report as JSON, for tools: one object, two-space indented, newline-terminated. */
export function formatJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The report as text tables, for people. */
export function formatText(report: DoctorReport): string {
  const lines: string[] = ['Tools'];
  const toolRows = report.tools.map((tool) => [
    tool.name,
    toolStatus(tool),
    tool.version ?? '-',
    toolNote(tool),
  ]);
  lines.push(...table(['TOOL', 'STATUS', 'VERSION', 'PATH / HINT'], toolRows), '');

  if (report.fleet.loaded) {
    lines.push(`Servers (fleet ${terminalSafe(report.fleet.source)})`);
    if (report.fleet.message) lines.push(`  ${terminalSafe(report.fleet.message)}`);
    if (report.servers.length === 0) lines.push('  the fleet configures no Jenkins and no Ollama');
  } else {
    lines.push(
      'Servers',
      `  no fleet servers were checked: ${terminalSafe(report.fleet.message ?? 'no fleet found')}`,
    );
  }
  if (report.servers.length > 0) {
    const serverRows = report.servers.map((server) => [
      server.kind,
      server.status,
      server.version ?? '-',
      serverNote(server),
    ]);
    lines.push(...table(['SERVER', 'STATUS', 'VERSION', 'URL / DETAIL'], serverRows));
  }
  lines.push('', verdict(report));
  return `${lines.join('\n')}\n`;
}

function toolStatus(tool: ToolCheck): string {
  if (tool.status === 'ok' || tool.required) return tool.status;
  return `${tool.status} (optional)`;
}

function toolNote(tool: ToolCheck): string {
  if (tool.status === 'ok') return tool.path ?? '';
  const parts = [tool.detail, tool.hint].filter((part): part is string => Boolean(part));
  return `${parts.join('; ')} (needed for ${tool.neededFor})`;
}

function serverNote(server: ServerCheck): string {
  return server.message ? `${server.url}: ${server.message}` : server.url;
}

function verdict(report: DoctorReport): string {
  if (report.ok) {
    const warnings =
      report.tools.filter((tool) => tool.status !== 'ok').length +
      report.servers.filter((server) => server.status !== 'ok').length;
    const note = warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'} above)` : '';
    return `ok: every required tool is present and every configured server answers${note}`;
  }
  const problems: string[] = [];
  const tools = report.tools.filter((tool) => tool.required && tool.status !== 'ok').map((tool) => tool.name);
  const servers = report.servers.filter((server) => !serverAnswered(server)).map((server) => server.kind);
  if (tools.length > 0) problems.push(`required tool not usable: ${tools.join(', ')}`);
  if (servers.length > 0) problems.push(`server not answering as it should: ${servers.join(', ')}`);
  return `not ok: ${problems.join('; ')}`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded; each cell escaped to one line. */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows].map((row) => row.map((cell) => terminalSafe(cell)));
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) =>
    `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}`.trimEnd(),
  );
}
