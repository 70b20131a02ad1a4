import { type CredentialStore, isUsernamePassword } from '../credentials.js';
import { StepFailure } from './checkout.js';
import { evaluate, groovyString, isCall, type Scope } from './expressions.js';
import type { Expr } from './model.js';

/** `$NAME`, `${NAME}` (letters, digits, `_`; `.` inside braces) and `$$`, as hudson.Util's VARIABLE pattern. */
const VARIABLE = /\$([A-Za-z0-9_]+|\{[A-Za-z0-9_.]+\}|\$)/g;

/**
 * `hudson.Util.replaceMacro` (jenkinsci/jenkins core/src/main/java/hudson/Util.java), which
 * `withEnv` (and so Declarative's `environment`) applies to every value through
 * `EnvVars.overrideExpandingAll`: `$NAME` and `${NAME}` become the variable's value, `$$` becomes
 * `$`, and a variable that is not set is left as it is (as Ant does, unlike a shell).
 */
export function replaceMacro(text: string, env: Record<string, string>): string {
  return text.replace(VARIABLE, (whole, key: string) => {
    if (key === '$') return '$';
    const name = key.startsWith('{') ? key.slice(1, -1) : key;
    return env[name] ?? whole;
  });
}

/** Secrets the build bound, masked in its console as credentials-binding does (`****`). */
export class Secrets {
  readonly #bound = new Set<string>();
  constructor(readonly store: CredentialStore) {}

  /**
   * `NAME = credentials('id')` in `environment`: the variables Declarative's credentials handlers
   * set (jenkinsci/pipeline-model-definition-plugin; "Pipeline Syntax" › "environment" on
   * jenkins.io): NAME for a secret text; NAME = `user:password`, NAME_USR and NAME_PSW for a
   * username with password. The secrets are masked in the console from now on.
   */
  bind(id: string, name: string): Record<string, string> {
    const credential = this.store.get(id);
    if (credential === undefined) throw new StepFailure(`Could not find credentials entry with ID '${id}'`);
    if (!isUsernamePassword(credential)) {
      this.#mask(credential.secret);
      return { [name]: credential.secret };
    }
    const { username, password } = credential;
    this.#mask(`${username}:${password}`);
    this.#mask(password);
    return { [name]: `${username}:${password}`, [`${name}_USR`]: username, [`${name}_PSW`]: password };
  }

  #mask(secret: string): void {
    if (secret !== '') this.#bound.add(secret);
  }

  mask(text: string): string {
    let masked = text;
    for (const secret of this.#bound) masked = masked.split(secret).join('****');
    return masked;
  }
}

/**
 * Declarative's `environment`: each value evaluated, `credentials('id')` bound to that secret
 * text (jenkinsci/credentials-binding-plugin; a missing id fails the build), and everything else
 * expanded against the variables so far, as `withEnv` does (replaceMacro).
 */
export function withEnvironment(
  base: Record<string, string>,
  entries: [string, Expr][],
  scope: Scope,
  secrets: Secrets,
): Record<string, string> {
  const env = { ...base };
  for (const [name, expr] of entries) {
    const value = evaluate(expr, { ...scope, env });
    if (isCall(value, 'credentials')) {
      Object.assign(env, secrets.bind(groovyString(value.positional[0] ?? null), name));
    } else {
      env[name] = replaceMacro(groovyString(value), env);
    }
  }
  return env;
}
