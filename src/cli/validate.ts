import { withSectionsNotActedOn } from '../facets/sections.js';
import { loadFleet } from '../fleet/load.js';
import { formatProblemsText, toValidationReport } from '../fleet/report.js';
import { type CliCommand, writeJson, writeLine } from './context.js';
import { addFleetReadOptions, type OutputFormat } from './fleet-options.js';

/** `codemonkeys validate`: every problem of the fleet repo, located; exit 0 when valid, 1 when not. */
export const validateCommand: CliCommand = {
  name: 'validate',
  register(program, context) {
    const command = program
      .command('validate')
      .description(
        'check the fleet repo: schemas, cross-file references, secrets; report every problem with its place',
      )
      .addHelpText(
        'after',
        `
Examples:
  $ codemonkeys validate                                   # the fleet repo in the current directory
  $ codemonkeys validate --fleet ../fleet --rev origin/main --format json
  $ codemonkeys validate --fleet https://git.example.com/acme/fleet.git --rev v3`,
      )
      .action(async (options: { rev?: string; format: OutputFormat }) => {
        const { fleet } = context.globals();
        const logger = context.logger().child({ command: 'validate' });
        logger.debug({ fleet, rev: options.rev }, 'loading fleet');
        const loaded = await loadFleet({
          fleet,
          rev: options.rev,
          cwd: context.io.cwd,
          env: context.io.env,
          now: context.io.clock(),
        });
        const result = withSectionsNotActedOn(loaded);
        const report = toValidationReport(result);
        logger.info(
          {
            revision: result.revision,
            manifests: result.files.length,
            errors: report.errors.length,
            warnings: report.warnings.length,
          },
          'fleet validated',
        );
        if (options.format === 'json') writeJson(context.io.stdout, JSON.stringify(report, null, 2));
        else writeLine(context.io.stdout, formatProblemsText(result));
        context.exitCode = report.valid ? 0 : 1;
      });
    addFleetReadOptions(command);
  },
};
