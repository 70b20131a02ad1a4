import { redactor as defaultRedactor, type Redactor } from '../../log/redact.js';

/** The secrets of one tofu workspace by where they go: `var.<name>` or `env <NAME>`, never by value. */
export function workspaceSecrets(
  secretVars: Record<string, string> = {},
  secretEnv: Record<string, string> = {},
): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(secretVars)) secrets.set(`var.${name}`, value);
  for (const [name, value] of Object.entries(secretEnv)) secrets.set(`env ${name}`, value);
  return secrets;
}

/** Registers every secret with the redactor before tofu sees it, so no message or log line can carry it. */
export function registerSecrets(
  secrets: ReadonlyMap<string, string>,
  redactor: Redactor = defaultRedactor,
): void {
  for (const value of secrets.values()) redactor.register(value);
}

/**
 * The labels of the secrets whose value appears in `text` — raw or as a JSON string escapes it.
 * A plan file holds every non-ephemeral variable's value and every attribute value in the clear
 * (`sensitive` only hides them on screen), so this is checked on `show -json` of each plan
 * before it is stored. Values shorter than four characters are not looked for, as the redactor
 * does not register them either.
 */
export function secretsFoundIn(text: string, secrets: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [label, value] of secrets) {
    if (value.length < 4) continue;
    const escaped = JSON.stringify(value).slice(1, -1);
    if (text.includes(value) || text.includes(escaped)) found.push(label);
  }
  return found;
}
