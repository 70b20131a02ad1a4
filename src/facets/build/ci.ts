import type { CiBackend } from '../../backends/ci.js';
import { createCiBackends } from '../../backends/ci-factory.js';
import type { Service } from '../services.js';

/** The CI backends of the fleet, by name (`local`, `jenkins`): how builds are observed and run. */
export const ciService: Service<ReadonlyMap<string, CiBackend>> = {
  name: 'ci',
  open: (context) => createCiBackends(context.fleet, context),
};
