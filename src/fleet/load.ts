import { checkArtifacts } from './check-artifacts.js';
import { checkConstitution } from './check-constitution.js';
import { checkGitValues } from './check-git-values.js';
import { checkJenkinsCredentials } from './check-jenkins-credentials.js';
import { type CheckInput, checkDependencies, checkOrgs, checkProducts } from './check-products.js';
import { checkSchedules } from './check-schedules.js';
import { checkLiteralSecrets } from './check-secrets.js';
import { type ManifestDocument, manifestRole, placeOf, problemAt } from './document.js';
import type { FileResult, LoadCache } from './load-cache.js';
import { LoadDiskCache } from './load-disk-cache.js';
import { reloadChangedProducts } from './load-incremental.js';
import type {
  ConstitutionManifest,
  Fleet,
  FleetManifest,
  ManifestKind,
  Product,
  ProductManifest,
} from './model.js';
import { isError, type Problem, sortProblems } from './problems.js';
import { problemsFromSchemaErrors } from './schema-errors.js';
import { MANIFEST_KINDS, schemaErrors } from './schemas.js';
import { type FleetFiles, readFleetFiles, type SourceOptions } from './source.js';
import { suggest } from './suggest.js';
import { parseManifestYaml } from './yaml.js';

export interface LoadOptions extends SourceOptions {
  /** The moment exception expiry is judged against (the caller's clock). */
  now: Date;
  /** Reuse of unchanged files' results across loads (a loop keeps one). */
  cache?: LoadCache;
  /**
   * Reuse of unchanged files' results across processes (LoadDiskCache, under the cache folder);
   * default on. Off, every file is parsed and validated as if for the first time.
   */
  diskCache?: boolean;
}

export interface LoadResult {
  /** The typed fleet, only when there is no error (warnings allowed). */
  fleet: Fleet | undefined;
  /** Every error and warning, sorted by file and position. */
  problems: Problem[];
  /** The manifest files that were read, relative to the fleet root. */
  files: string[];
  /** Their texts, for showing the lines problems point at. */
  sources: Map<string, string>;
  revision: string | null;
  /** Read from a work tree whose files differ from its HEAD revision. */
  dirty: boolean;
  /**
   * Set by a cached load that took the fast path: the products whose manifests changed since
   * the last load (everything else is as it was). Undefined when that is not known.
   */
  changedProducts?: string[];
}

/** Reads a fleet repo (directory or git, at a revision) and validates all of it. */
export async function loadFleet(options: LoadOptions): Promise<LoadResult> {
  const files = await readFleetFiles(options);
  const disk = options.diskCache === false ? undefined : diskCacheOf(files.source, options);
  const result = loadFleetFiles(files, options.now, options.cache, disk);
  disk?.save(files.files);
  return result;
}

/** The disk cache of a fleet source: a loop's LoadCache opens it once and keeps it. */
function diskCacheOf(source: string, options: LoadOptions): LoadDiskCache {
  const cache = options.cache;
  if (cache?.disk?.source === source) return cache.disk.files;
  const files = LoadDiskCache.open(source, options.env);
  if (cache) cache.disk = { source, files };
  return files;
}

/**
 * Validates the manifests of a fleet repo and builds its typed model. Pure: every problem in
 * every file is collected, none stops the others from being found.
 */
export function loadFleetFiles(
  input: FleetFiles,
  now: Date,
  cache?: LoadCache,
  disk?: LoadDiskCache,
): LoadResult {
  // One file's own result: remembered in memory (a loop's cache) or on disk, else computed and kept in both.
  const fileResult = (file: string, text: string): FileResult => {
    const memory = cache?.lookup(file, text);
    if (memory) return memory;
    let result = disk?.lookup(file, text);
    if (!result) {
      result = loadFile(file, text);
      disk?.remember(file, text, result);
    }
    cache?.store(file, result);
    return result;
  };
  if (cache?.last) {
    const fast = reloadChangedProducts(input, now, cache.last, fileResult, (document, make) =>
      cache.product(document, make),
    );
    if (fast?.fleet) {
      cache.last = {
        files: input.files,
        result: { ...fast, fleet: fast.fleet, changedProducts: undefined },
        now,
      };
      return fast;
    }
  }
  const result = loadAll(input, now, cache, fileResult);
  if (cache) {
    if (result.fleet) result.fleet.shapeToken = cache.nextShapeToken();
    cache.last = result.fleet
      ? { files: input.files, result: { ...result, fleet: result.fleet }, now }
      : undefined;
  }
  return result;
}

function loadAll(
  input: FleetFiles,
  now: Date,
  cache: LoadCache | undefined,
  fileResult: (file: string, text: string) => FileResult,
): LoadResult {
  const problems: Problem[] = [];
  const documents: ManifestDocument[] = [];
  // Sorted, so that which of two duplicates counts as the first never depends on listing order.
  for (const [file, text] of [...input.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const result = fileResult(file, text);
    problems.push(...result.problems);
    if (result.document) documents.push(result.document);
  }
  cache?.retain(new Set(input.files.keys()));
  const fleetDoc = single(documents, 'Fleet', problems);
  const constitutionDoc = single(documents, 'Constitution', problems);
  // Cross-file checks also run on documents with schema errors elsewhere, as long as the parts they read are sound.
  const checks: CheckInput = {
    fleet:
      fleetDoc && isCheckableFleet(fleetDoc.value)
        ? { document: fleetDoc, manifest: fleetDoc.value as unknown as FleetManifest }
        : undefined,
    products: documents
      .filter((document) => document.kind === 'Product' && isCheckableProduct(document.value))
      .map((document) => ({ document, manifest: document.value as unknown as ProductManifest })),
  };
  problems.push(
    ...checkOrgs(checks),
    ...checkProducts(checks),
    ...checkDependencies(checks),
    ...checkJenkinsCredentials(checks),
    ...checkArtifacts(checks),
  );
  problems.push(
    ...checkConstitution({
      ...checks,
      constitution: constitutionDoc?.valid
        ? { document: constitutionDoc, manifest: constitutionDoc.value as unknown as ConstitutionManifest }
        : undefined,
      now,
    }),
  );
  const sorted = sortProblems(dedupe(problems));
  const result: LoadResult = {
    fleet: undefined,
    problems: sorted,
    files: [...input.files.keys()],
    sources: input.files,
    revision: input.revision,
    dirty: input.dirty,
  };
  if (sorted.some(isError) || !fleetDoc || !constitutionDoc) return result;
  result.fleet = buildFleet(input, fleetDoc, constitutionDoc, checks, cache);
  return result;
}

/**
 * One problem per place and code: the schema and the secret scan may both see one literal secret.
 * A key given three times is two problems at one pointer: its line tells them apart.
 */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const line = problem.code === 'duplicate-key' ? `\u0000${problem.line}` : '';
    const key = `${problem.file}\u0000${problem.pointer}\u0000${problem.code}${line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function optional(value: unknown, test: (value: unknown) => boolean): boolean {
  return value === undefined || test(value);
}

/** The parts of a Fleet that cross-file checks read are well-formed. */
function isCheckableFleet(value: Record<string, unknown>): boolean {
  const spec = value.spec;
  if (!isRecord(spec) || !Array.isArray(spec.orgs)) return false;
  const orgsOk = spec.orgs.every(
    (org) =>
      isRecord(org) &&
      typeof org.name === 'string' &&
      optional(org.credentials, isRecord) &&
      optional(org.approvers, Array.isArray),
  );
  return orgsOk && optional(spec.ci, isRecord);
}

/** The parts of a Product that cross-file checks read are well-formed. */
function isCheckableProduct(value: Record<string, unknown>): boolean {
  const { metadata, spec } = value;
  if (!isRecord(metadata) || !isRecord(spec)) return false;
  if (typeof metadata.name !== 'string' || !NAME.test(metadata.name)) return false;
  if (typeof metadata.org !== 'string' || !NAME.test(metadata.org)) return false;
  const dependsOn = spec.dependsOn;
  if (!optional(dependsOn, (deps) => Array.isArray(deps) && deps.every((dep) => typeof dep === 'string')))
    return false;
  if (!isRecord(spec.repo) || !optional(spec.repo.credentials, (name) => typeof name === 'string'))
    return false;
  return optional(spec.build, isRecord) && optional(spec.heal, isRecord);
}

/** Everything one file yields on its own: parse, envelope, schema, literal secrets, what git would read, schedules. */
function loadFile(file: string, text: string): FileResult {
  const problems: Problem[] = [];
  const document = parseDocument(file, text, problems);
  if (document)
    problems.push(...checkLiteralSecrets(document), ...checkGitValues(document), ...checkSchedules(document));
  return { text, document, problems };
}

function parseDocument(file: string, text: string, problems: Problem[]): ManifestDocument | undefined {
  const outcome = parseManifestYaml(file, text);
  if (!outcome.ok) {
    problems.push(...outcome.problems);
    return undefined;
  }
  const { parsed } = outcome;
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({
      severity: 'error',
      code: 'not-a-mapping',
      file,
      ...parsed.locate(''),
      pointer: '',
      message: 'a manifest is a mapping with apiVersion, kind, metadata and spec',
    });
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const expected = manifestRole(file) as ManifestKind;
  const kind = record.kind;
  const shell: ManifestDocument = { file, kind: expected, value: record, parsed, valid: false };
  if (typeof kind !== 'string' || !(MANIFEST_KINDS as readonly string[]).includes(kind)) {
    const hint = typeof kind === 'string' ? suggest(kind, MANIFEST_KINDS) : undefined;
    const found = kind === undefined ? 'nothing' : `'${String(kind)}'`;
    problems.push(
      problemAt(
        shell,
        kind === undefined ? '' : '/kind',
        kind === undefined ? 'missing-field' : 'unknown-kind',
        `expected kind ${expected} in ${file}, found ${found}${hint ? ` (did you mean '${hint}'?)` : ''}`,
        {
          expected: `kind: ${expected}`,
          found,
        },
      ),
    );
    return undefined;
  }
  const document: ManifestDocument = { ...shell, kind: kind as ManifestKind };
  if (kind !== expected && !(expected === 'Product' && kind !== 'Product')) {
    problems.push(
      problemAt(document, '/kind', 'misplaced-kind', `expected kind ${expected} in ${file}, found ${kind}`, {
        expected,
        found: kind,
      }),
    );
    return undefined;
  }
  const errors = schemaErrors(document.kind, record);
  problems.push(...problemsFromSchemaErrors(parsed, errors));
  document.valid = errors.length === 0;
  return document;
}

/** Exactly one Fleet and one Constitution: the first in fleet.yaml / constitution.yaml wins, others are errors. */
function single(
  documents: ManifestDocument[],
  kind: 'Fleet' | 'Constitution',
  problems: Problem[],
): ManifestDocument | undefined {
  const all = documents
    .filter((document) => document.kind === kind)
    .sort((a, b) => rank(a, kind) - rank(b, kind) || a.file.localeCompare(b.file));
  const [first, ...rest] = all;
  const home = kind === 'Fleet' ? 'fleet.yaml' : 'constitution.yaml';
  if (!first) {
    problems.push({
      severity: 'error',
      code: `missing-${kind.toLowerCase()}`,
      file: home,
      line: 1,
      column: 1,
      pointer: '',
      message: `the fleet repo has no ${kind}: expected ${home} with kind: ${kind}`,
      expected: `${home} with kind: ${kind}`,
      found: 'nothing',
    });
    return undefined;
  }
  if (rank(first, kind) !== 0) {
    problems.push(
      problemAt(first, '/kind', 'misplaced-kind', `the ${kind} belongs in ${home}, not in ${first.file}`, {
        expected: home,
        found: first.file,
      }),
    );
  }
  for (const extra of rest) {
    problems.push(
      problemAt(
        extra,
        '/kind',
        `duplicate-${kind.toLowerCase()}`,
        `a fleet repo has exactly one ${kind}; this is a second one (the first is at ${placeOf(first, '/kind')})`,
        {
          expected: `only ${home}`,
          found: `another ${kind}`,
        },
      ),
    );
  }
  return first;
}

function rank(document: ManifestDocument, kind: ManifestKind): number {
  return manifestRole(document.file) === kind ? 0 : 1;
}

function buildFleet(
  input: FleetFiles,
  fleetDoc: ManifestDocument,
  constitutionDoc: ManifestDocument,
  checks: CheckInput,
  cache: LoadCache | undefined,
): Fleet {
  const products = new Map<string, Product>();
  const withIds = checks.products.map((entry) => ({ ...entry, id: productId(entry.manifest) }));
  withIds.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const { document, manifest, id } of withIds) {
    const make = (): Product => ({ id, file: document.file, manifest });
    products.set(id, cache ? cache.product(document, make) : make());
  }
  return {
    source: input.source,
    revision: input.revision,
    dirty: input.dirty,
    fleet: { file: fleetDoc.file, manifest: fleetDoc.value as unknown as FleetManifest },
    constitution: {
      file: constitutionDoc.file,
      manifest: constitutionDoc.value as unknown as ConstitutionManifest,
    },
    products,
  };
}

/** `org/name` of a product manifest. */
export function productId(manifest: ProductManifest): string {
  return `${manifest.metadata.org}/${manifest.metadata.name}`;
}
