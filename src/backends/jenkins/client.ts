import JenkinsClient from 'jenkins';
import { type JenkinsTarget, jenkinsError, statusOf } from './errors.js';

export interface JenkinsConnection extends JenkinsTarget {
  /** The user's API token (resolved from its secret reference; never logged). */
  token?: string;
  /** Per-request limit; a request that takes longer is a transient failure. */
  timeoutMs?: number;
}

/** A build as Jenkins' JSON API describes it (`<job>/<n>/api/json`). */
export interface JenkinsBuild {
  number: number;
  url: string;
  building: boolean;
  result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED' | 'NOT_BUILT' | null;
  duration: number;
  timestamp: number;
  parameters: Record<string, string>;
}

/** What one look at a job tells: its description, its recent builds and its item in the queue. */
export interface JenkinsJob {
  description: string | null;
  builds: JenkinsBuild[];
  /** The job's first item in the queue (`Queue.getItem(task)`), null when none waits. */
  queueItem: { id: number; parameters: Record<string, string> } | null;
}

/** A queue item (`/queue/item/<id>/api/json`): `executable` once it became a build. */
export interface JenkinsQueueItem {
  id: number;
  why: string | null;
  cancelled: boolean;
  executable: { number: number; url: string } | null;
}

/** An installed plugin, as the plugin manager lists it. */
export interface JenkinsPlugin {
  shortName: string;
  version: string;
  /** Loaded in this session: false when installed but disabled or failed to load. */
  active: boolean;
}

const BUILD_TREE = 'number,url,building,result,duration,timestamp,actions[parameters[name,value]]';

/**
 * Jenkins' remote API, through the `jenkins` npm client where it serves (jobs, folders, queue,
 * builds; the CSRF crumb when Jenkins issues one) and plain HTTP where it does not (the version
 * header, progressive console text with its offsets). Every failure becomes a CodemonkeysError
 * that says what happens next, and names the credential, never its value.
 */
export class JenkinsApi {
  readonly #client: JenkinsClient;
  readonly #connection: JenkinsConnection;
  readonly #base: string;
  #crumb: Promise<Crumb> | undefined;

  constructor(connection: JenkinsConnection) {
    this.#connection = connection;
    this.#base = connection.url.replace(/\/+$/, '');
    this.#client = new JenkinsClient({
      baseUrl: this.#base,
      headers: this.#authHeaders(),
      // One crumb for every POST (the client would fetch one before each), until a POST is refused.
      crumbIssuer: (client: JenkinsClient) => {
        this.#crumb ??= fetchCrumb(client).catch((error: unknown) => {
          this.#crumb = undefined;
          throw error;
        });
        return this.#crumb;
      },
      timeout: connection.timeoutMs ?? 15_000,
    } as ConstructorParameters<typeof JenkinsClient>[0]);
  }

  /** Jenkins' version, from the X-Jenkins header of the root API. */
  async version(): Promise<string> {
    const response = await this.#fetch('/api/json?tree=mode', 'reading the version');
    return response.headers.get('x-jenkins') ?? 'unknown';
  }

  /** The name Jenkins knows the caller by (`/whoAmI/api/json`): the user, or `anonymous`. */
  async whoAmI(): Promise<string> {
    const response = await this.#fetch('/whoAmI/api/json?tree=name', 'reading who the API user is');
    const body = (await response.json()) as { name?: unknown };
    return typeof body.name === 'string' ? body.name : 'unknown';
  }

  /**
   * The installed plugins (`/pluginManager/api/json`); reading them takes Overall/Administer
   * (or Overall/SystemRead where enabled), so a refusal here says little about the credentials.
   */
  async plugins(): Promise<JenkinsPlugin[]> {
    const response = await this.#fetch(
      '/pluginManager/api/json?tree=plugins[shortName,version,active]',
      'listing the installed plugins',
    );
    const body = (await response.json()) as { plugins?: Partial<JenkinsPlugin>[] };
    return (body.plugins ?? []).flatMap((plugin) =>
      typeof plugin.shortName === 'string'
        ? [
            {
              shortName: plugin.shortName,
              version: String(plugin.version ?? ''),
              active: plugin.active !== false,
            },
          ]
        : [],
    );
  }

  /** A job's or folder's config.xml, or undefined when there is no such item. */
  async config(path: string[]): Promise<string | undefined> {
    try {
      return (await this.#call('reading a job configuration', () =>
        this.#client.job.config(jobName(path)),
      )) as string;
    } catch (error) {
      if ((error as { reason?: string }).reason === 'NotFound') return undefined;
      throw error;
    }
  }

  /** Creates an item (job or folder, by its config.xml) at `path` (the last segment is its name). */
  async create(path: string[], configXml: string): Promise<void> {
    await this.#call('creating a job', () => this.#client.job.create(jobName(path), configXml));
  }

  /** Replaces an item's config.xml. */
  async updateConfig(path: string[], configXml: string): Promise<void> {
    await this.#call('updating a job configuration', () => this.#client.job.config(jobName(path), configXml));
  }

  /** Queues a build with parameters; resolves to the queue item id (from the Location header). */
  async build(path: string[], parameters: Record<string, string>): Promise<number> {
    const id = await this.#call('starting a build', () =>
      this.#client.job.build({ name: jobName(path), parameters }),
    );
    return Number(id);
  }

  async queueItem(id: number): Promise<JenkinsQueueItem | undefined> {
    try {
      const item = (await this.#call('reading a queue item', () =>
        this.#client.queue.item(id),
      )) as Partial<JenkinsQueueItem> & { id: number };
      return {
        id: item.id,
        why: item.why ?? null,
        cancelled: item.cancelled === true,
        executable: item.executable ?? null,
      };
    } catch (error) {
      if ((error as { reason?: string }).reason === 'NotFound') return undefined;
      throw error;
    }
  }

  /** Items waiting in the queue, with their job's URL and their parameters. */
  async queue(): Promise<{ id: number; jobUrl: string; parameters: Record<string, string> }[]> {
    const data = (await this.#call('reading the queue', () =>
      (this.#client.queue.list as (opts: unknown) => Promise<unknown>)({
        tree: 'items[id,task[url],actions[parameters[name,value]]]',
      }),
    )) as { id: number; task?: { url?: string }; actions?: RawBuild['actions'] }[] | { items?: unknown[] };
    const items = (Array.isArray(data) ? data : (data.items ?? [])) as {
      id: number;
      task?: { url?: string };
      actions?: RawBuild['actions'];
    }[];
    return items.map((item) => ({
      id: item.id,
      jobUrl: item.task?.url ?? '',
      parameters: toBuild({ number: 0, url: '', actions: item.actions }).parameters,
    }));
  }

  /** The job's most recent builds (newest first), with their parameters; undefined when the job is gone. */
  async builds(path: string[], limit = 20): Promise<JenkinsBuild[] | undefined> {
    return (await this.job(path, limit))?.builds;
  }

  /**
   * The job's description, its most recent builds (newest first) and its item in the queue, in
   * one request; undefined when the job is gone. `description` is exported by every item
   * (hudson.model.AbstractItem `@Exported getDescription()`), `builds` and `queueItem` by
   * hudson.model.Job (WorkflowJob answers `queueItem` from the queue); the tree range `{0,N}`
   * keeps Jenkins from loading older builds.
   */
  async job(path: string[], limit = 20): Promise<JenkinsJob | undefined> {
    try {
      const job = (await this.#call('listing builds', () =>
        this.#client.job.get({ name: jobName(path), tree: jobTree(limit) } as never),
      )) as RawJob;
      return toJob(job);
    } catch (error) {
      if ((error as { reason?: string }).reason === 'NotFound') return undefined;
      throw error;
    }
  }

  /**
   * What job() tells of every job in a folder, by name, in one request (the folder's `jobs`, each
   * with the same tree as job()); undefined when the folder is gone. cloudbees-folder's
   * AbstractFolder exports `jobs` (`@Exported getItems()`), and Stapler applies a tree and its
   * ranges at any depth, so each job still loads only its newest `limit` builds.
   */
  async folderJobs(folder: string[], limit = 20): Promise<Map<string, JenkinsJob> | undefined> {
    try {
      const data = (await this.#call('listing the jobs of a folder', () =>
        this.#client.job.get({ name: jobName(folder), tree: `jobs[name,${jobTree(limit)}]` } as never),
      )) as { jobs?: (RawJob & { name: string })[] };
      return new Map((data.jobs ?? []).map((job) => [job.name, toJob(job)]));
    } catch (error) {
      if ((error as { reason?: string }).reason === 'NotFound') return undefined;
      throw error;
    }
  }

  async buildInfo(path: string[], number: number): Promise<JenkinsBuild> {
    return toBuild(
      (await this.#call('reading a build', () => this.#client.build.get(jobName(path), number))) as RawBuild,
    );
  }

  /** Console text from a byte offset, as Jenkins' progressiveText serves it (X-Text-Size, X-More-Data). */
  async log(
    path: string[],
    number: number,
    start = 0,
  ): Promise<{ text: string; nextOffset: number; more: boolean }> {
    const jobPath = path.map((segment) => `/job/${encodeURIComponent(segment)}`).join('');
    const response = await this.#fetch(
      `${jobPath}/${number}/logText/progressiveText?start=${start}`,
      'reading a build log',
    );
    const text = await response.text();
    const size = Number(response.headers.get('x-text-size'));
    return {
      text,
      nextOffset: Number.isFinite(size) ? size : start + Buffer.byteLength(text),
      more: response.headers.get('x-more-data') === 'true',
    };
  }

  #authHeaders(): Record<string, string> {
    const { user, token } = this.#connection;
    if (!user) return {};
    return { authorization: `Basic ${Buffer.from(`${user}:${token ?? ''}`).toString('base64')}` };
  }

  async #call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      // A crumb Jenkins no longer accepts (a restart changes its salt): fetch a new one next time.
      if (statusOf(error) === 403) this.#crumb = undefined;
      throw jenkinsError(error, what, this.#connection);
    }
  }

  async #fetch(path: string, what: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        headers: this.#authHeaders(),
        signal: AbortSignal.timeout(this.#connection.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw jenkinsError(error, what, this.#connection);
    }
    if (!response.ok) {
      throw jenkinsError(
        { status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined },
        what,
        this.#connection,
      );
    }
    return response;
  }
}

/** The header a POST carries its CSRF crumb in; an empty name when Jenkins issues none. */
interface Crumb {
  headerName: string;
  headerValue: string;
}

/** Asks for a crumb only where Jenkins issues one: API-token requests need none since 2.96. */
async function fetchCrumb(client: JenkinsClient): Promise<Crumb> {
  try {
    const issuer = (client as unknown as { crumbIssuer: { get(): Promise<unknown> } }).crumbIssuer;
    const data = (await issuer.get()) as { crumbRequestField?: string; crumb?: string };
    return { headerName: data.crumbRequestField ?? 'Jenkins-Crumb', headerValue: data.crumb ?? '' };
  } catch (error) {
    if (statusOf(error) === 404) return { headerName: '', headerValue: '' };
    throw error;
  }
}

/** The tree of one look at a job (job(), folderJobs()). */
function jobTree(limit: number): string {
  return `description,builds[${BUILD_TREE}]{0,${limit}},queueItem[id,actions[parameters[name,value]]]`;
}

interface RawJob {
  description?: string | null;
  builds?: RawBuild[];
  queueItem?: { id: number; actions?: RawBuild['actions'] } | null;
}

function toJob(job: RawJob): JenkinsJob {
  const queued = job.queueItem;
  return {
    description: job.description ?? null,
    builds: (job.builds ?? []).map(toBuild),
    queueItem: queued
      ? { id: queued.id, parameters: toBuild({ number: 0, url: '', actions: queued.actions }).parameters }
      : null,
  };
}

interface RawBuild {
  number: number;
  url: string;
  building?: boolean;
  result?: JenkinsBuild['result'];
  duration?: number;
  timestamp?: number;
  actions?: ({ parameters?: { name: string; value: unknown }[] } | null)[];
}

function toBuild(raw: RawBuild): JenkinsBuild {
  const parameters: Record<string, string> = {};
  for (const action of raw.actions ?? []) {
    for (const parameter of action?.parameters ?? []) parameters[parameter.name] = String(parameter.value);
  }
  return {
    number: raw.number,
    url: raw.url,
    building: raw.building === true,
    result: raw.result ?? null,
    duration: raw.duration ?? 0,
    timestamp: raw.timestamp ?? 0,
    parameters,
  };
}

/** The jenkins client's item name: segments joined by '/', which it turns into /job/a/job/b (names have no '/'). */
function jobName(path: string[]): string {
  return path.join('/');
}
