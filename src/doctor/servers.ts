/**
 * Probes the servers a fleet is configured with: Jenkins through the same client the reconciler
 * uses (./jenkins.ts), Ollama over its HTTP API (./ollama.ts).
 */
import { checkJenkins } from './jenkins.js';
import { checkOllama } from './ollama.js';

export { checkJenkins, REQUIRED_JENKINS_PLUGINS } from './jenkins.js';
export { checkOllama } from './ollama.js';

export type ServerKind = 'jenkins' | 'ollama';

/**
 * ok — answered and ready; model-missing — Ollama answered but the configured model is not pulled;
 * plugins-missing — Jenkins answered but plugins its builds need are not installed or not active;
 * rejected — answered 401/403; unreachable — no connection or no answer in time; failed — answered,
 * but not as expected; misconfigured — not probed, the configuration itself is unusable.
 */
export type ServerStatus =
  | 'ok'
  | 'model-missing'
  | 'plugins-missing'
  | 'rejected'
  | 'unreachable'
  | 'failed'
  | 'misconfigured';

/** What doctor found out about one configured server. Never holds a credential. */
export interface ServerCheck {
  kind: ServerKind;
  /** The configured URL, without any user info. */
  url: string;
  status: ServerStatus;
  version: string | null;
  /** Who the server says the credentials belong to (Jenkins' whoAmI), when it says. */
  user: string | null;
  /** What went wrong and what to do, or a note when ok; for people, never contains a secret. */
  message: string | null;
}

/** A Jenkins to probe, with its credentials already resolved. */
export interface JenkinsTarget {
  url: string;
  user?: string;
  token?: string;
  /** Where the token comes from, for messages: `environment variable JENKINS_TOKEN`. */
  tokenSource?: string;
  /** Set when the token reference could not be resolved: the server is reported, not probed. */
  secretProblem?: string;
}

/** An Ollama to probe and the model the fleet wants from it. */
export interface OllamaTarget {
  host: string;
  model: string;
  /** Bearer token, for an Ollama behind an authenticating proxy. */
  token?: string;
  secretProblem?: string;
}

export interface ServerTargets {
  jenkins?: JenkinsTarget;
  ollama?: OllamaTarget;
}

export interface ProbeOptions {
  /** How long one request may take; default 5 s. */
  timeoutMs?: number;
}

/** Probes every configured server concurrently; Jenkins first, then Ollama. */
export async function checkServers(
  targets: ServerTargets,
  options: ProbeOptions = {},
): Promise<ServerCheck[]> {
  const probes: Promise<ServerCheck>[] = [];
  if (targets.jenkins) probes.push(checkJenkins(targets.jenkins, options));
  if (targets.ollama) probes.push(checkOllama(targets.ollama, options));
  return Promise.all(probes);
}

/** True when the server answered well enough for its facet to work (missing extras are warnings). */
export function serverAnswered(check: ServerCheck): boolean {
  return check.status === 'ok' || check.status === 'model-missing' || check.status === 'plugins-missing';
}
