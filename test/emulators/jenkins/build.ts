import type { Job } from './items.js';

/** `hudson.model.Result`, as the JSON API spells it. */
export type BuildResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED' | 'NOT_BUILT';

const ORDINAL: Record<BuildResult, number> = {
  SUCCESS: 0,
  UNSTABLE: 1,
  FAILURE: 2,
  NOT_BUILT: 3,
  ABORTED: 4,
};

/** `Result.isWorseThan`. */
export function isWorse(a: BuildResult, b: BuildResult): boolean {
  return ORDINAL[a] > ORDINAL[b];
}

/** A parameter value of `ParametersAction`, with its `hudson.model.*ParameterValue` class. */
export interface ParameterValue {
  className: string;
  name: string;
  value: string;
}

/**
 * One run of a job (`WorkflowRun`), with its console log. The log is kept as bytes: offsets in
 * `progressiveText` are byte offsets into it.
 */
export class Build {
  result: BuildResult | null = null;
  /** `WorkflowRun.completed`: set in `finish()` before listeners are told. */
  completed = false;
  /** Whether the log is closed (after `Finished: …`): `X-More-Data` stops. */
  logClosed = false;
  duration = 0;
  readonly timestamp = Date.now();
  readonly abort = new AbortController();
  /** Who stopped it (`Aborted by …`), if someone did. */
  abortedBy: string | undefined;
  /** What the checkout step checked out, for the notification plugin's `scm`. */
  scm: { url?: string; branch?: string; commit?: string } = {};
  readonly #chunks: Buffer[] = [];
  #size = 0;

  constructor(
    readonly job: Job,
    readonly number: number,
    readonly queueId: number,
    readonly parameters: ParameterValue[],
    readonly startedBy: string,
    readonly queuedAt: number,
  ) {}

  /** `WorkflowRun.isBuilding()`: no result yet, or not completed. */
  get building(): boolean {
    return this.result === null || !this.completed;
  }

  /** `Run.setResult`: a result only ever gets worse. */
  setResult(result: BuildResult): void {
    if (this.result === null || isWorse(result, this.result)) this.result = result;
  }

  parameter(name: string): string | undefined {
    return this.parameters.find((parameter) => parameter.name === name)?.value;
  }

  write(text: string): void {
    if (this.logClosed || text === '') return;
    const bytes = Buffer.from(text, 'utf8');
    this.#chunks.push(bytes);
    this.#size += bytes.length;
  }

  /** Writes a line, ending it with a newline. */
  println(line: string): void {
    this.write(`${line}\n`);
  }

  get logSize(): number {
    return this.#size;
  }

  log(): Buffer {
    if (this.#chunks.length > 1) this.#chunks.splice(0, this.#chunks.length, Buffer.concat(this.#chunks));
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  /**
   * Stapler's `LargeText.doProgressText`/`writeLogTo`: from `start` (0 if past the end: "text
   * rolled over"); while the log is still being written, only up to the last complete line.
   * Returns the bytes and the offset to ask from next (`X-Text-Size`).
   */
  logFrom(start: number): { text: Buffer; next: number } {
    const log = this.log();
    const from = start > log.length || start < 0 ? 0 : start;
    let end = log.length;
    if (!this.logClosed) {
      const lastNewline = log.lastIndexOf(0x0a, end - 1);
      end = lastNewline < from ? from : lastNewline + 1;
    }
    return { text: log.subarray(from, end), next: end };
  }
}
