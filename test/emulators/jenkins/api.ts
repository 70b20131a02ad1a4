/**
 * An in-process Jenkins for tests: the remote API our backend uses, and Pipeline builds that
 * really run (`checkout` clones REPO_URL at COMMIT, each `sh` runs as durable-task runs it).
 * Each handler names the Jenkins page or jenkinsci source it follows. Known differences from a
 * real Jenkins 2.479.1:
 * - `sh` runs a script without a `#!` line under `bash -xe`; Jenkins' default shell is `sh`;
 * - the credential store holds "Secret text" and "Username with password" credentials, in one
 *   global domain; a checkout clones with `git clone`, not `git init` and `git fetch`;
 * - a Pipeline build waits in the queue for an executor as a whole (real Pipeline builds leave
 *   the queue at once and their `node` block waits, as a second queue item);
 * - the workspace is emptied before each build; crumbs do not depend on the web session;
 * - only the JSON API (no `api/xml`, `api/python`); config.xml is stored as posted;
 * - no authorization strategy: every user may do everything, except that `admin: false` takes
 *   Overall/Administer away, which only `/pluginManager/api/json` checks;
 * - a `parameters {}` block updates the job's parameters but not its stored config.xml.
 */
import type { JenkinsUser } from './auth.js';
import type { JenkinsCredential } from './credentials.js';
import type { FaultOptions, FaultStatus } from './faults.js';
import type { RecordedRequest } from './handler.js';
import type { JenkinsPlugin } from './plugins.js';
import type { ItemSnapshot } from './snapshot.js';

/** How the emulator is set up; every field has a default. */
export interface JenkinsEmulatorOptions {
  /** Users that may call the API (default: DEFAULT_JENKINS_USER). */
  users?: JenkinsUser[];
  /** Require a crumb on every POST, even API-token ones (real Jenkins exempts those since 2.96). */
  crumbRequired?: boolean;
  /** Executors of the built-in node (default 2): more builds than that wait in the queue. */
  executors?: number;
  /** Where the Notification plugin POSTs job phases, for every job. */
  notifyUrl?: string;
  /** The quiet period every scheduled build waits out first (default 50 ms). */
  queueDelayMs?: number;
  /**
   * Secret text credentials by id, for `credentials('id')` in `environment` (masked as `****` in
   * logs); add other kinds with `addCredential`.
   */
  credentials?: Record<string, string>;
  /** What `/pluginManager/api/json` lists as installed (default: DEFAULT_JENKINS_PLUGINS). */
  plugins?: JenkinsPlugin[];
}

/** The user the emulator knows when none are given. */
export const DEFAULT_JENKINS_USER: Readonly<JenkinsUser> = {
  name: 'codemonkeys',
  password: 'monkey-business',
  apiToken: '11c0de5ba5eba11c0ffee0ddba11f00d42',
};

/** A running emulated Jenkins. */
export interface JenkinsEmulator {
  /** `http://127.0.0.1:<port>/`, with the trailing slash Jenkins' root URL has. */
  readonly url: string;
  readonly users: readonly JenkinsUser[];
  /** Every request received since start or the last `resetRequestLog()`, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Requests counted by `METHOD /path`. */
  requestCounts(): Record<string, number>;
  resetRequestLog(): void;
  /**
   * The next `count` requests (of `method` to a path matching `path`, when given) are answered
   * with `status`; 429 carries `Retry-After`, 1 s unless given.
   */
  failNext(count: number, status: FaultStatus, options?: FaultOptions): void;
  /** The next `count` requests are answered only after `ms` (for clients' timeouts). */
  delayNext(count: number, ms: number): void;
  clearFaults(): void;
  /** Closes the listener and drops open connections; builds keep running. */
  goDown(): Promise<void>;
  /** Listens again, on the same port. */
  comeBack(): Promise<void>;
  /**
   * Adds a credential to Jenkins' store, or replaces the one with its id: a "Secret text"
   * (`{ id, secret }`) or a "Username with password" (`{ id, username, password }`), which a
   * checkout's `credentialsId` clones with.
   */
  addCredential(credential: JenkinsCredential): void;
  /** Removes a credential from the store; false when it has none by that id. */
  removeCredential(id: string): boolean;
  /** Deletes a job or folder by full name (`acme/widget`) behind the client's back; false if there is none. */
  deleteItem(fullName: string): boolean;
  /** Every folder and job, with builds and their logs. */
  jobs(): ItemSnapshot[];
  /** Resolves once nothing is queued or building and every notification was delivered. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  /** Cancels the queue, aborts running builds (killing their processes), closes the server. */
  stop(): Promise<void>;
}
