import type { Product } from '../../fleet/model.js';
import { DEFAULT_RELEASE_OPTIONS, type ReleaseOptions } from './next-version.js';

/** The product's `spec.release` options, with the defaults filled in. */
export function releaseOptions(product: Product): ReleaseOptions {
  const release = product.manifest.spec.release ?? {};
  const options: ReleaseOptions = {
    initialVersion: release.initialVersion ?? DEFAULT_RELEASE_OPTIONS.initialVersion,
    preMajorBreakingBumpsMinor:
      release.preMajorBreakingBumpsMinor ?? DEFAULT_RELEASE_OPTIONS.preMajorBreakingBumpsMinor,
  };
  if (release.prerelease !== undefined) options.prerelease = release.prerelease;
  return options;
}
