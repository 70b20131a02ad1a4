/**
 * The typed model of a fleet repo, as the schemas in `schemas/` describe it. The schemas are the
 * truth; these types mirror them, and the loader only builds them from documents that validated.
 */

import type { Effect, Enforcement, FacetName } from '../actions/kinds.js';
import type { SecretRef } from '../secrets/ref.js';

export type { Effect, Enforcement, FacetName, SecretRef };

export interface Metadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Manifest<K extends string, S, M extends Metadata = Metadata> {
  apiVersion: 'codemonkeys.dev/v1';
  kind: K;
  metadata: M;
  spec: S;
}

export interface OrgSpec {
  name: string;
  approvers?: string[];
  credentials?: Record<string, SecretRef>;
}

export type CiBackendName = 'local' | 'jenkins';

export interface JenkinsSpec {
  url: string;
  user?: string;
  token?: SecretRef;
  folder?: string;
  /**
   * The Jenkins credential (an id in Jenkins' own store) that checks out a repository whose
   * product names an org credential: `<org>/<credential name>` → credential id.
   */
  credentials?: Record<string, string>;
}

export interface FleetSpec {
  orgs: OrgSpec[];
  ci?: {
    default?: CiBackendName;
    jenkins?: JenkinsSpec;
  };
  llm?: { ollama?: { host: string; model: string; token?: SecretRef } };
  reconcile?: { interval?: string; concurrency?: number };
  watch?: WatchSpec;
  retention?: RetentionSpec;
  state?: { sqlite?: string };
}

/** `spec.retention`: what the daemon removes in the background (durations as `30d`). */
export interface RetentionSpec {
  builds?: { keep?: number; maxAge?: string };
  journal?: { maxAge?: string };
  plans?: { maxAge?: string };
  tofuPlans?: { maxAge?: string };
  observations?: { maxAge?: string };
}

/** What an outgoing notification is about. */
export type NotifyEvent = 'stalled' | 'denied' | 'released';

/** `spec.watch`: the daemon's schedules, webhooks, API and notifications. */
export interface WatchSpec {
  /** Cron expression of a resync of every product. */
  resync?: string;
  webhooks?: { secret: SecretRef };
  api?: { token: SecretRef };
  notify?: { url: string; secret: SecretRef; events?: NotifyEvent[] }[];
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface RuleMatch {
  actions?: string[];
  products?: string[];
  orgs?: string[];
  labels?: Record<string, string>;
  environments?: string[];
}

export type StateTest = { is: string | string[] } | { not: string | string[] };
export type Comparison = Partial<Record<'gt' | 'gte' | 'lt' | 'lte' | 'eq', number>>;

export interface RuleWhen {
  schedule?: { days?: Weekday[]; hours?: string; timezone?: string };
  observed?: Partial<Record<FacetName, StateTest>>;
  changes?: Partial<Record<'add' | 'change' | 'destroy' | 'total', Comparison>>;
  paths?: string[];
}

export interface Rule {
  id: string;
  description?: string;
  match?: RuleMatch;
  when?: RuleWhen;
  effect: Effect;
  enforcement?: Enforcement;
  approvers?: string[];
  message?: string;
}

export interface RuleException {
  rule: string;
  products: string[];
  reason: string;
  owner: string;
  expires: string;
}

export interface ConstitutionSpec {
  defaultEffect?: 'allow' | 'deny';
  rules?: Rule[];
  exceptions?: RuleException[];
}

export type Vars = Record<string, unknown>;

export interface ProductSpec {
  repo: { url: string; branch?: string; credentials?: string };
  dependsOn?: string[];
  suspend?: boolean;
  prune?: boolean;
  build?: {
    ci?: CiBackendName;
    steps: string[];
    timeout?: string;
    env?: Record<string, string | SecretRef>;
    /** Paths the build leaves for later steps (a release's distributions, an image), kept with it. */
    artifacts?: string[];
  };
  heal?: { enabled?: boolean; maxAttempts?: number };
  docs?: { engine?: 'mkdocs'; config?: string };
  release?: {
    versioning?: 'conventional';
    /** `v{version}` by default; `{name}` is the product's name. */
    tagFormat?: string;
    branch?: string;
    /** The first release's version (0.1.0). */
    initialVersion?: string;
    /** Below 1.0.0 a breaking change bumps the minor version rather than going to 1.0.0. */
    preMajorBreakingBumpsMinor?: boolean;
    /** A prerelease channel: `rc` releases 1.3.0-rc.1, then -rc.2, … */
    prerelease?: string;
    /** The product's folder in a shared repository: only commits touching it count. */
    path?: string;
    registries?: {
      type: 'npm' | 'pypi' | 'crates' | 'container';
      url?: string;
      token?: SecretRef;
      /** Who the token belongs to, where the registry asks for a name. */
      username?: string;
      /** pypi: the project; container: the repository; crates: the crate. */
      package?: string;
      /** pypi: the distributions folder; container: the OCI image folder (one of build.artifacts). */
      artifact?: string;
    }[];
  };
  deploy?: {
    playbook: string;
    inventory?: string;
    vars?: Vars;
    environments: Record<string, { version: string; inventory?: string; vars?: Vars }>;
  };
  infra?: { module: string; vars?: Vars; drift?: 'auto' | 'propose' | 'alert' };
  announce?: { macro: string; channels?: string[] };
}

export interface ProductMetadata extends Metadata {
  org: string;
}

export type FleetManifest = Manifest<'Fleet', FleetSpec>;
export type ConstitutionManifest = Manifest<'Constitution', ConstitutionSpec>;
export type ProductManifest = Manifest<'Product', ProductSpec, ProductMetadata>;
export type AnyManifest = FleetManifest | ConstitutionManifest | ProductManifest;
export type ManifestKind = AnyManifest['kind'];

/** Where a manifest came from: its file, relative to the fleet root. */
export interface Located<T> {
  file: string;
  manifest: T;
}

/** A product of the fleet, with its id and the file that declares it. */
export interface Product extends Located<ProductManifest> {
  /** `org/name`. */
  id: string;
}

/** What the reconciler wants: a validated fleet repo at one revision. */
export interface Fleet {
  /** Absolute directory or URL the fleet was read from. */
  source: string;
  /** Commit id when read from git; null for a plain directory. */
  revision: string | null;
  /** True when read from a git work tree whose files differ from its HEAD. */
  dirty: boolean;
  fleet: Located<FleetManifest>;
  constitution: Located<ConstitutionManifest>;
  /** Products by id, in a stable order (sorted by id). */
  products: Map<string, Product>;
  /**
   * Set by a cached load: equal tokens mean the same product ids and the same dependencies
   * (the fleet's shape), so what is derived from the shape alone can be reused.
   */
  shapeToken?: number;
}
