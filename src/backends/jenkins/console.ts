/**
 * What a failed Pipeline build's console log says about where it failed. Jenkins prints
 * `[Pipeline] { (<stage>)` when a stage opens (workflow-api's LogActionImpl via the
 * pipeline-stage-step plugin), `Stage "<stage>" skipped due to earlier failure(s)` for each
 * declarative stage after a failure (pipeline-model-definition's Utils.markStageSkippedForFailure),
 * and, last, the error that ended the build: `ERROR: script returned exit code <n>` from the
 * durable-task `sh` step. A checkout names the credential it clones with: `using credential <id>`,
 * or `Warning: CredentialId "<id>" could not be found.` when Jenkins has none by that id
 * (GitSCM.createClient in jenkinsci/git-plugin; its
 * src/test/java/hudson/plugins/git/CredentialsUserRemoteConfigTest.java expects both lines).
 * Parsed leniently: a log that says none of this gives undefined.
 */
export interface ConsoleFailure {
  /** The stage whose step failed: the last stage opened before the skipped ones and the post actions. */
  stage: string;
  /** The failing `sh` script's exit code, when the log says it. */
  exitCode: number | null;
  /** The credential a checkout in the failing stage cloned with, and whether Jenkins found it. */
  credential?: { id: string; found: boolean };
}

const STAGE_OPEN = /^\[Pipeline\] \{ \((.*)\)$/;
const SKIPPED = /^Stage "(.*)" skipped due to (earlier failure|when conditional)/;
const EXIT = /^ERROR: script returned exit code (\d+)$/;
const DECLARATIVE = /^Declarative: /;
const USING_CREDENTIAL = /^using credential (\S+)$/;
const CREDENTIAL_NOT_FOUND = /^Warning: CredentialId "(.*)" could not be found\.?$/;

/** The failing stage and exit code of a Pipeline build's console text, if the log tells them. */
export function consoleFailure(text: string): ConsoleFailure | undefined {
  const ran: string[] = [];
  const skipped = new Set<string>();
  let exitCode: number | null = null;
  let post = false;
  const credentials = new Map<string, { id: string; found: boolean }>();
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
    const credential = credentialOf(line);
    const current = ran[ran.length - 1];
    if (credential && current !== undefined && !post) credentials.set(current, credential);
  }
  const stage = ran.filter((name) => !skipped.has(name)).pop();
  if (stage === undefined) return undefined;
  const credential = credentials.get(stage);
  return credential ? { stage, exitCode, credential } : { stage, exitCode };
}

/** The credential a git plugin line names, if it is one of its credential lines. */
function credentialOf(line: string): { id: string; found: boolean } | undefined {
  const using = USING_CREDENTIAL.exec(line);
  if (using) return { id: using[1] as string, found: true };
  const missing = CREDENTIAL_NOT_FOUND.exec(line);
  return missing ? { id: missing[1] as string, found: false } : undefined;
}
