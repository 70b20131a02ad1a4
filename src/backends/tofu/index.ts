/**
 * The OpenTofu backend: what the infra facet observes with (`TofuRunner.plan`: a saved plan and
 * its summary) and acts with (`TofuRunner.apply`: that saved plan, nothing else).
 */
export { defaultProviderMirror, renderCliConfig } from './cli-config.js';
export { formatDiagnostic, type TofuDiagnostic } from './diagnostics.js';
export { DEFAULT_LOCKED_RETRY_MS, TofuCommandError } from './errors.js';
export {
  readPlanJson,
  type TofuPlanSummary,
  type TofuResourceAction,
  type TofuResourceChange,
} from './plan-json.js';
export {
  type TofuApplyResult,
  type TofuPlanResult,
  TofuRunner,
  type TofuRunnerOptions,
  type TofuWorkspace,
} from './runner.js';
