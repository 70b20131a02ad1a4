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

/** Secret texts the build bound, masked in its console as credentials-binding does (`****`). */
export class Secrets {
  readonly #bound = new Set<string>();
  constructor(readonly available: Readonly<Record<string, string>>) {}

  /** `credentials('id')`: the secret text, which from now on is masked in the console. */
  bind(id: string): string {
    const secret = this.available[id];
    if (secret === undefined) throw new StepFailure(`Could not find credentials entry with ID '${id}'`);
    if (secret !== '') this.#bound.add(secret);
    return secret;
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
      env[name] = secrets.bind(groovyString(value.positional[0] ?? null));
    } else {
      env[name] = replaceMacro(groovyString(value), env);
    }
  }
  return env;
}
