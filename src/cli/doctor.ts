import { isAbsolute } from 'node:path';
import { Option } from 'commander';
import { buildReport, type DoctorReport, type FleetNote, formatJson, formatText } from '../doctor/report.js';
import { checkServers, type ServerCheck, type ServerTargets } from '../doctor/servers.js';
import { checkTools } from '../doctor/tools.js';
import { SecretError, toError } from '../errors.js';
import { loadFleet } from '../fleet/load.js';
import type { Fleet, SecretRef } from '../fleet/model.js';
import { isError, type Problem } from '../fleet/problems.js';
import { redactor } from '../log/redact.js';
import { describeSecretRef, resolveSecret, type SecretContext } from '../secrets/resolve.js';
import { type CliCommand, type CommandContext, writeJson, writeLine } from './context.js';

export const DOCTOR_FORMATS = ['text', 'json'] as const;
export type DoctorFormat = (typeof DOCTOR_FORMATS)[number];

const HELP_AFTER = `
Checks the local tools (git, ansible-playbook, tofu, chromium, mkdocs, node, go) and, when the
fleet repo configures them, the Jenkins and Ollama servers. Only git is required; each other tool
serves one facet. Exit code 0 when every required tool is present and every configured server
answers, 1 otherwise.

Examples:
  $ codemonkeys doctor
  $ codemonkeys doctor --fleet ../acme-fleet --format json
`;

/** `codemonkeys doctor`: is this machine ready, and do the fleet's servers answer? */
export const doctorCommand: CliCommand = {
  name: 'doctor',
  register(program, context) {
    program
      .command('doctor')
      .description('check the local tools and the servers the fleet is configured with')
      .addOption(new Option('--format <format>', 'output format').choices(DOCTOR_FORMATS).default('text'))
      .addHelpText('after', HELP_AFTER)
      .action(async (options: { format: DoctorFormat }) => {
        const report = await runDoctor(context);
        // Belt and braces: the probes never put a secret in a message, and the redactor knows every resolved one.
        if (options.format === 'json') writeJson(context.io.stdout, redactor.redactText(formatJson(report)));
        else writeLine(context.io.stdout, redactor.redactText(formatText(report)));
        context.exitCode = report.ok ? 0 : 1;
      });
  },
};

/** Checks tools and fleet servers concurrently and assembles the report. */
export async function runDoctor(context: CommandContext): Promise<DoctorReport> {
  const [tools, { servers, fleet }] = await Promise.all([
    checkTools({ env: context.io.env }),
    checkFleetServers(context),
  ]);
  return buildReport(tools, servers, fleet);
}

async function checkFleetServers(
  context: CommandContext,
): Promise<{ servers: ServerCheck[]; fleet: FleetNote }> {
  const source = context.globals().fleet;
  let fleet: Fleet | undefined;
  try {
    const loaded = await loadFleet({
      fleet: source,
      cwd: context.io.cwd,
      env: context.io.env,
      now: context.io.clock(),
    });
    fleet = loaded.fleet;
    if (!fleet)
      return {
        servers: [],
        fleet: { source, loaded: false, message: describeProblems(source, loaded.problems) },
      };
  } catch (error) {
    context.logger().debug({ err: error }, 'doctor: fleet repo not loaded');
    return { servers: [], fleet: { source, loaded: false, message: toError(error).message } };
  }
  const servers = await checkServers(await serverTargets(fleet, context));
  return { servers, fleet: { source: fleet.source, loaded: true, message: null } };
}

function describeProblems(source: string, problems: Problem[]): string {
  const errors = problems.filter(isError);
  // Outside a fleet repo every check fails; the missing Fleet manifest is the one worth saying.
  if (errors.some((problem) => problem.code === 'missing-fleet'))
    return `${source} is not a fleet repo (no Fleet manifest)`;
  const first = errors[0];
  if (!first) return `no fleet found in ${source}`;
  const where = first.file ? `${first.file}:${first.line}:${first.column}: ` : '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `the fleet repo does not validate: ${where}${first.message}${more}; run codemonkeys validate`;
}

/** The servers the fleet configures, with their tokens resolved (or the reason they cannot be). */
async function serverTargets(fleet: Fleet, context: CommandContext): Promise<ServerTargets> {
  const spec = fleet.fleet.manifest.spec;
  // A fleet read from a git URL has no directory of its own; relative secret files then mean the cwd.
  const secrets: SecretContext = {
    env: context.io.env,
    baseDir: isAbsolute(fleet.source) ? fleet.source : context.io.cwd,
  };
  const targets: ServerTargets = {};
  const jenkins = spec.ci?.jenkins;
  if (jenkins)
    targets.jenkins = {
      url: jenkins.url,
      user: jenkins.user,
      ...(await resolveToken(jenkins.token, secrets)),
    };
  const ollama = spec.llm?.ollama;
  if (ollama)
    targets.ollama = {
      host: ollama.host,
      model: ollama.model,
      ...(await resolveToken(ollama.token, secrets)),
    };
  return targets;
}

interface ResolvedToken {
  token?: string;
  tokenSource?: string;
  secretProblem?: string;
}

async function resolveToken(ref: SecretRef | undefined, secrets: SecretContext): Promise<ResolvedToken> {
  if (!ref) return {};
  const tokenSource = describeSecretRef(ref);
  try {
    return { token: await resolveSecret(ref, secrets), tokenSource };
  } catch (error) {
    // A SecretError names the reference, never a value; anything else is not shown at all.
    const secretProblem =
      error instanceof SecretError ? error.message : `the token in ${tokenSource} cannot be read`;
    return { tokenSource, secretProblem };
  }
}
