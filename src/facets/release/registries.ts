import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlaybookRequest } from '../../backends/ansible/index.js';
import { CodemonkeysError } from '../../errors.js';
import type { Product } from '../../fleet/model.js';
import { resolveSecret } from '../../secrets/resolve.js';

/** One entry of `spec.release.registries`. */
export type Registry = NonNullable<NonNullable<Product['manifest']['spec']['release']>['registries']>[number];

/** Where each kind of registry is when the entry gives no URL. */
const DEFAULT_URLS: Record<Registry['type'], string> = {
  npm: 'https://registry.npmjs.org/',
  pypi: 'https://pypi.org',
  crates: 'https://crates.io',
  container: 'https://registry-1.docker.io',
};

/** The registry's URL, the entry's or the public default. */
export function registryUrl(registry: Registry): string {
  return registry.url ?? DEFAULT_URLS[registry.type];
}

/** A stable id of a registry for idempotency keys: its type and URL (without credentials). */
export function registryId(registry: Registry): string {
  return `${registry.type}:${shownUrl(registry)}`;
}

/** `npm at http://127.0.0.1:4873`, for reasons and statuses. */
export function registryLabel(registry: Registry): string {
  return `${registry.type} at ${shownUrl(registry)}`;
}

/** The registry's URL without a user or password in it and without a trailing slash. */
function shownUrl(registry: Registry): string {
  const url = new URL(registryUrl(registry));
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/+$/, '');
}

/** What a publish needs besides the registry: the release's sources and where the fleet is. */
export interface PublishSource {
  product: Product;
  version: string;
  /** The release checked out (the tagged commit). */
  releaseDir: string;
  fleetDir: string;
  env: NodeJS.ProcessEnv;
  /** What the green build of the tagged commit kept (BuildRecord.artifacts), when it kept anything. */
  artifactsDir?: string;
}

/**
 * The library playbook request that publishes a release to one registry (playbooks/README.md):
 * its vars, and the registry's token in the playbook's environment only.
 */
export async function publishRequest(registry: Registry, source: PublishSource): Promise<PlaybookRequest> {
  const spec = source.product.manifest.spec.release ?? {};
  const folder = spec.path === undefined ? source.releaseDir : join(source.releaseDir, spec.path);
  const url = registryUrl(registry);
  const token =
    registry.token === undefined
      ? undefined
      : await resolveSecret(registry.token, { env: source.env, baseDir: source.fleetDir });
  switch (registry.type) {
    case 'npm':
      await checkPackageVersion(folder, source);
      return {
        playbook: 'publish-npm.yml',
        baseDir: source.releaseDir,
        vars: { npm_package_dir: folder, npm_registry: url, npm_tag: spec.prerelease ?? 'latest' },
        secretEnv: token === undefined ? {} : { NPM_TOKEN: token },
      };
    case 'crates':
      return {
        playbook: 'publish-crates.yml',
        baseDir: source.releaseDir,
        vars: {
          crate_dir: folder,
          crate_name: registry.package ?? source.product.manifest.metadata.name,
          crate_version: source.version,
          crates_api_url: url,
        },
        secretEnv: token === undefined ? {} : { CARGO_REGISTRY_TOKEN: token },
      };
    case 'pypi':
      return {
        playbook: 'publish-pypi.yml',
        baseDir: source.releaseDir,
        vars: {
          pypi_dist_dir: artifactPath(registry, source),
          pypi_package: registry.package ?? source.product.manifest.metadata.name,
          pypi_version: source.version,
          pypi_index_url: url,
          pypi_repository_url: pypiUploadUrl(url),
          // A name, not a secret: a var, so the runner does not mask it wherever it appears.
          ...(registry.username === undefined ? {} : { pypi_username: registry.username }),
        },
        secretEnv: token === undefined ? {} : { TWINE_PASSWORD: token },
      };
    case 'container': {
      const parsed = new URL(url);
      return {
        playbook: 'publish-container.yml',
        baseDir: source.releaseDir,
        vars: {
          container_source: `oci:${artifactPath(registry, source)}`,
          container_registry: parsed.host,
          container_repository:
            registry.package ??
            `${source.product.manifest.metadata.org}/${source.product.manifest.metadata.name}`,
          container_tag: source.version,
          container_registry_scheme: parsed.protocol === 'http:' ? 'http' : 'https',
          container_tls_verify: parsed.protocol !== 'http:',
          ...(registry.username === undefined ? {} : { container_username: registry.username }),
        },
        secretEnv: token === undefined ? {} : { REGISTRY_PASSWORD: token },
      };
    }
  }
}

/** Where the upload goes: pypi.org takes uploads at its own host; other indexes at their URL. */
function pypiUploadUrl(indexUrl: string): string {
  const host = new URL(indexUrl).host;
  if (host === 'pypi.org' || host === 'www.pypi.org') return 'https://upload.pypi.org/legacy/';
  if (host === 'test.pypi.org') return 'https://test.pypi.org/legacy/';
  return `${indexUrl.replace(/\/+$/, '')}/`;
}

/** The registry's artifact in what the build kept; a build that kept nothing stalls the publish. */
function artifactPath(registry: Registry, source: PublishSource): string {
  if (registry.artifact === undefined || source.artifactsDir === undefined) {
    throw new CodemonkeysError(
      `${source.product.id}: the build of ${source.version} kept no ${registry.artifact ?? 'artifact'} to publish to ${registry.type}; add it to build.artifacts and let the release commit build again`,
      { reason: 'ArtifactMissing', next: 'stalled' },
    );
  }
  return join(source.artifactsDir, registry.artifact);
}

/**
 * npm publishes the version package.json names: a release whose package.json says another (a tag
 * made by hand, a version file the cut could not bump) would publish the wrong version.
 */
async function checkPackageVersion(folder: string, source: PublishSource): Promise<void> {
  const text = await readFile(join(folder, 'package.json'), 'utf8').catch(() => '');
  let version: unknown;
  try {
    version = (JSON.parse(text) as { version?: unknown }).version;
  } catch {
    version = undefined;
  }
  if (version === source.version) return;
  throw new CodemonkeysError(
    `${source.product.id}: package.json of release ${source.version} says version ${JSON.stringify(version ?? null)}; npm would publish that: tag a commit whose package.json has ${source.version}`,
    { reason: 'PackageVersionMismatch', next: 'stalled' },
  );
}
