import type { Command } from 'commander';
import { POLICY_TEST_DIR, readPolicyTestFiles } from '../constitution/policy-test-source.js';
import {
  type PolicyCaseResult,
  type PolicyTestReport,
  policyTestsPassed,
  runPolicyTests,
} from '../constitution/policy-tests.js';
import { loadFleet } from '../fleet/load.js';
import type { Problem } from '../fleet/problems.js';
import { formatProblemsText, toValidationReport } from '../fleet/report.js';
import { terminalSafe } from '../util/terminal-safe.js';
import { type CliCommand, type CommandContext, writeJson, writeLine } from './context.js';
import { addFleetReadOptions, type OutputFormat } from './fleet-options.js';

interface TestOptions {
  rev?: string;
  format: OutputFormat;
  run?: string;
}

/** `codemonkeys constitution test`: runs the fleet's policy tests, like `opa test`. */
export const constitutionCommand: CliCommand = {
  name: 'constitution',
  register(program, context) {
    const constitution = program
      .command('constitution')
      .description('work with the constitution: run the policy tests kept in the fleet repo')
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys constitution test                          # every case under policy-tests/
  $ codemonkeys constitution test --run weekend --format json`,
      );
    const test = constitution
      .command('test')
      .description(
        `run the policy tests in ${POLICY_TEST_DIR}/ (kind: PolicyTest) against the fleet's constitution; exit 0 when all pass`,
      )
      .option(
        '--run <regex>',
        'run only the cases whose <test name>/<case name> matches this regular expression',
      )
      .addHelpText(
        'after',
        `
A policy test file holds cases: an action, the moment, the observed state and approvals, and the
verdict expected (any of effect, rules, allowed, enforcement, excepted, advisories, approvers).

Examples:
  $ codemonkeys constitution test
  $ codemonkeys constitution test --fleet ../fleet --rev origin/main
  $ codemonkeys constitution test --run 'weekend-freeze/.*saturday' --format json`,
      )
      .action(async (options: TestOptions) => {
        context.exitCode = await runTestCommand(context, test, options);
      });
    addFleetReadOptions(test);
  },
};

async function runTestCommand(
  context: CommandContext,
  command: Command,
  options: TestOptions,
): Promise<number> {
  const run = options.run === undefined ? undefined : parseRunFilter(command, options.run);
  const { fleet: source } = context.globals();
  const logger = context.logger().child({ command: 'constitution test' });
  const { io } = context;
  const loaded = await loadFleet({
    fleet: source,
    rev: options.rev,
    cwd: io.cwd,
    env: io.env,
    now: io.clock(),
  });
  if (!loaded.fleet) {
    if (options.format === 'json') {
      writeJson(io.stdout, JSON.stringify({ ok: false, fleet: toValidationReport(loaded) }, null, 2));
    } else {
      writeLine(io.stdout, formatProblemsText(loaded));
      writeLine(io.stdout, 'the fleet repo is invalid: policy tests need a valid fleet');
    }
    return 1;
  }
  const files = await readPolicyTestFiles({
    fleet: source,
    rev: options.rev,
    cwd: io.cwd,
    env: io.env,
    revision: loaded.revision,
  });
  const report = runPolicyTests(loaded.fleet, files, run ? { run } : {});
  const ok = policyTestsPassed(report);
  logger.info(
    { files: files.size, passed: report.passed, failed: report.failed, problems: report.problems.length },
    'policy tests run',
  );
  if (options.format === 'json') {
    writeJson(io.stdout, JSON.stringify({ ok, revision: loaded.revision, ...report }, null, 2));
  } else {
    writeLine(io.stdout, formatReportText(report));
  }
  return ok ? 0 : 1;
}

/** A bad --run pattern is a usage error (exit 2), like an unknown option. */
function parseRunFilter(command: Command, pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (error) {
    return command.error(
      `error: --run '${pattern}' is not a regular expression: ${(error as Error).message}`,
      {
        exitCode: 2,
        code: 'codemonkeys.invalidRunPattern',
      },
    );
  }
}

/**
 * PASS/FAIL per case, each failure with what was expected and what came out; then a summary.
 * Every entry is one line, its control and bidi characters escaped (names and values come from files).
 */
export function formatReportText(report: PolicyTestReport): string {
  if (report.files.length === 0) return `no policy tests in ${POLICY_TEST_DIR}/\n`;
  const lines: string[] = [];
  for (const result of report.results) {
    if (result.passed) lines.push(`PASS ${result.id}`);
    else lines.push(...failureLines(result));
  }
  for (const problem of report.problems) lines.push(problemLine(problem));
  const parts = [`${report.passed} passed`, `${report.failed} failed`];
  const errors = report.problems.filter((problem) => problem.severity === 'error').length;
  if (errors > 0) parts.push(`${errors} ${errors === 1 ? 'error' : 'errors'}`);
  if (report.skipped > 0) parts.push(`${report.skipped} skipped by --run`);
  lines.push(parts.join(', '));
  return `${lines.map((line) => terminalSafe(line)).join('\n')}\n`;
}

function failureLines(result: PolicyCaseResult): string[] {
  const lines = [`FAIL ${result.id} (${result.file}:${result.line})`];
  for (const mismatch of result.mismatches) {
    lines.push(`       ${mismatch.field}: expected ${show(mismatch.expected)}, got ${show(mismatch.actual)}`);
  }
  const { actual } = result;
  const rules = actual.rules.length > 0 ? ` by ${actual.rules.join(', ')}` : ' by default';
  lines.push(`       verdict: ${actual.effect} (${actual.enforcement})${rules}; allowed: ${actual.allowed}`);
  for (const message of actual.messages) lines.push(`       message: ${message}`);
  return lines;
}

function problemLine(problem: Problem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.severity}: ${problem.message} [${problem.code}]`;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return String(value);
}
