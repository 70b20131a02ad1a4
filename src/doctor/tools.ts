import { execa } from 'execa';
import {
  DEFAULT_CHROMIUM,
  findChromium,
  findOnPath,
  findTofu,
  nonEmpty,
  tofuCachePath,
  tofuVersion,
} from '../backends/tools.js';

/** The local tools `codemonkeys doctor` looks for, in the order it reports them. */
export const TOOL_NAMES = ['git', 'ansible-playbook', 'tofu', 'chromium', 'mkdocs', 'node', 'go'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** ok — found and it answered; missing — not found; broken — found, but its version command failed. */
export type ToolStatus = 'ok' | 'missing' | 'broken';

/** What doctor found out about one local tool. */
export interface ToolCheck {
  name: ToolName;
  /** True only for tools without which nothing works; the others serve one facet each. */
  required: boolean;
  /** What codemonkeys uses the tool for, for people. */
  neededFor: string;
  status: ToolStatus;
  /** Absolute path of the executable, when found. */
  path: string | null;
  /** Version parsed from the tool's own version output; null when missing or unparsable. */
  version: string | null;
  /** Why a found tool is broken; null otherwise. */
  detail: string | null;
  /** How to get (or repair) the tool; null when it is ok. */
  hint: string | null;
}

export interface ToolCheckOptions {
  /** Environment for lookups and for running the tools: PATH, HOME, CODEMONKEYS_* … */
  env: NodeJS.ProcessEnv;
  /** How long a version command may take; default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

interface ToolSpec {
  name: ToolName;
  required: boolean;
  neededFor: string;
  versionArgs: string[];
  locate(env: NodeJS.ProcessEnv): Promise<string | undefined>;
  hint(env: NodeJS.ProcessEnv): string;
}

const SPECS: readonly ToolSpec[] = [
  {
    name: 'git',
    required: true,
    neededFor: 'reading fleet and product repos (required)',
    versionArgs: ['--version'],
    locate: (env) => findOnPath('git', env),
    hint: () => 'run scripts/setup.sh, or apt-get install git',
  },
  {
    name: 'ansible-playbook',
    required: false,
    neededFor: 'the deploy facet and publishing',
    versionArgs: ['--version'],
    locate: (env) => findOnPath('ansible-playbook', env),
    hint: () => 'run scripts/setup.sh, or apt-get install ansible-core',
  },
  {
    name: 'tofu',
    required: false,
    neededFor: 'the infra facet',
    versionArgs: ['version'],
    locate: findTofu,
    hint: (env) =>
      `run scripts/setup.sh tofu (builds OpenTofu ${tofuVersion(env)} into ${tofuCachePath(env)}; needs go)`,
  },
  {
    name: 'chromium',
    required: false,
    neededFor: 'the announce facet (browser)',
    versionArgs: ['--version'],
    locate: findChromium,
    hint: chromiumHint,
  },
  {
    name: 'mkdocs',
    required: false,
    neededFor: 'the docs facet',
    versionArgs: ['--version'],
    locate: (env) => findOnPath('mkdocs', env),
    hint: () => 'run scripts/setup.sh, or apt-get install mkdocs',
  },
  {
    name: 'node',
    required: false,
    neededFor: 'build steps that run node or npm',
    versionArgs: ['--version'],
    locate: (env) => findOnPath('node', env),
    hint: () => 'install Node.js 20.5 or later (https://nodejs.org)',
  },
  {
    name: 'go',
    required: false,
    neededFor: 'building tofu with scripts/setup.sh',
    // `go --version` is not a thing: go prints its usage and exits 2.
    versionArgs: ['version'],
    locate: (env) => findOnPath('go', env),
    hint: () => 'apt-get install golang-go, or install Go from https://go.dev/dl',
  },
];

/** Checks every tool in TOOL_NAMES concurrently; resolves in TOOL_NAMES order. */
export async function checkTools(options: ToolCheckOptions): Promise<ToolCheck[]> {
  return Promise.all(SPECS.map((spec) => runCheck(spec, options)));
}

/** Checks one tool: where it is, whether it runs, and its version. */
export async function checkTool(name: ToolName, options: ToolCheckOptions): Promise<ToolCheck> {
  const spec = SPECS.find((candidate) => candidate.name === name);
  if (!spec) throw new TypeError(`unknown tool: ${name}`);
  return runCheck(spec, options);
}

/** The first dotted version number in a tool's version output: `git version 2.39.5` → `2.39.5`. */
export function parseVersion(output: string): string | null {
  // No word boundary before the digits: go prints `go1.26.8`, tofu `v1.12.6`.
  const match = /\d+(?:\.\d+)+(?:-[0-9A-Za-z.]+)?/.exec(output);
  return match ? match[0] : null;
}

async function runCheck(spec: ToolSpec, options: ToolCheckOptions): Promise<ToolCheck> {
  const base = { name: spec.name, required: spec.required, neededFor: spec.neededFor };
  const path = await spec.locate(options.env);
  if (!path) {
    return {
      ...base,
      status: 'missing',
      path: null,
      version: null,
      detail: null,
      hint: spec.hint(options.env),
    };
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await execa(path, spec.versionArgs, {
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    timeout: timeoutMs,
    reject: false,
  });
  // stdout only: Debian's chromium launcher prints a harmless `[: unexpected operator` on stderr.
  const version = parseVersion(result.stdout);
  if (!result.failed || version) {
    return { ...base, status: 'ok', path, version, detail: null, hint: null };
  }
  const command = [spec.name, ...spec.versionArgs].join(' ');
  const detail = describeFailure(command, timeoutMs, result);
  return { ...base, status: 'broken', path, version: null, detail, hint: spec.hint(options.env) };
}

interface FailedRun {
  timedOut: boolean;
  exitCode?: number | undefined;
  signal?: string | undefined;
  stderr: string;
  originalMessage?: string | undefined;
}

function describeFailure(command: string, timeoutMs: number, result: FailedRun): string {
  const stderrTail = lastLine(result.stderr);
  const tail = stderrTail ? `: ${stderrTail}` : '';
  if (result.timedOut) return `\`${command}\` timed out after ${timeoutMs / 1000} s`;
  if (result.signal) return `\`${command}\` was killed by ${result.signal}${tail}`;
  if (result.exitCode !== undefined) return `\`${command}\` exited with code ${result.exitCode}${tail}`;
  return `\`${command}\` could not run${result.originalMessage ? `: ${result.originalMessage}` : ''}`;
}

function chromiumHint(env: NodeJS.ProcessEnv): string {
  const override = nonEmpty(env.CODEMONKEYS_CHROMIUM);
  if (override) {
    return `CODEMONKEYS_CHROMIUM=${override} is not an executable file: fix it, or unset it to use ${DEFAULT_CHROMIUM}`;
  }
  return 'run scripts/setup.sh, or apt-get install chromium (or set CODEMONKEYS_CHROMIUM to a Chromium binary)';
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim().slice(0, 200);
}
