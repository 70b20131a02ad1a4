/**
 * What a failed Pipeline build's console log says about where it failed. Jenkins prints
 * `[Pipeline] { (<stage>)` when a stage opens (workflow-api's LogActionImpl via the
 * pipeline-stage-step plugin), `Stage "<stage>" skipped due to earlier failure(s)` for each
 * declarative stage after a failure (pipeline-model-definition's Utils.markStageSkippedForFailure),
 * and, last, the error that ended the build: `ERROR: script returned exit code <n>` from the
 * durable-task `sh` step. Parsed leniently: a log that says none of this gives undefined.
 */
export interface ConsoleFailure {
  /** The stage whose step failed: the last stage opened before the skipped ones and the post actions. */
  stage: string;
  /** The failing `sh` script's exit code, when the log says it. */
  exitCode: number | null;
}

const STAGE_OPEN = /^\[Pipeline\] \{ \((.*)\)$/;
const SKIPPED = /^Stage "(.*)" skipped due to (earlier failure|when conditional)/;
const EXIT = /^ERROR: script returned exit code (\d+)$/;
const DECLARATIVE = /^Declarative: /;

/** The failing stage and exit code of a Pipeline build's console text, if the log tells them. */
export function consoleFailure(text: string): ConsoleFailure | undefined {
  const ran: string[] = [];
  const skipped = new Set<string>();
  let exitCode: number | null = null;
  let post = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const exit = EXIT.exec(line);
    if (exit) exitCode = Number(exit[1]);
    const opened = STAGE_OPEN.exec(line);
    // The post actions run after the failing stage: stages they open are not the build's.
    if (opened?.[1] === 'Declarative: Post Actions') post = true;
    if (opened && !post && !DECLARATIVE.test(opened[1] as string)) ran.push(opened[1] as string);
    const skip = SKIPPED.exec(line);
    if (skip) skipped.add(skip[1] as string);
  }
  const stage = ran.filter((name) => !skipped.has(name)).pop();
  return stage === undefined ? undefined : { stage, exitCode };
}
