import type { Redaction } from '../actions/canonical.js';

/**
 * The one place where secret values are taken out of text and data before they are logged,
 * printed, stored in a plan or an audit entry. Every resolved secret is registered here.
 */
export const REDACTED = '[REDACTED]';

/** Keys whose values are treated as secret wherever they appear in logged objects. */
const SECRET_KEY =
  /^(authorization|cookie|set-cookie|password|passwd|secret|token|api[-_]?key|private[-_]?key|.*_token|.*_password|.*_secret)$/i;

/** Shortest value that is registered; shorter ones would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

export class Redactor implements Redaction {
  readonly mask = REDACTED;
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /** Remembers a secret value so that it is replaced wherever it later appears. */
  register(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || this.#secrets.has(value)) return;
    this.#secrets.add(value);
    this.#pattern = undefined;
  }

  get size(): number {
    return this.#secrets.size;
  }

  /** Replaces every registered secret (and credentials in URLs) in a string. */
  redactText(text: string): string {
    // Credentials in a URL need an '@': most text has none, and skips the expression.
    let out = text.includes('@')
      ? text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):([^\s/@]+)@/gi, `$1:${REDACTED}@`)
      : text;
    const pattern = this.#compile();
    if (pattern) out = out.replace(pattern, REDACTED);
    return out;
  }

  /** A key whose string or number values are secret wherever it appears (authorization, *_token…). */
  isSecretKey(key: string): boolean {
    return SECRET_KEY.test(key);
  }

  /** Deep copy of a value with secrets replaced: registered values anywhere, any value under a secret-named key. */
  redactValue<T>(value: T): T {
    return this.#redact(value, new WeakSet()) as T;
  }

  #redact(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (value instanceof Error) return this.#redactError(value, seen);
    if (Array.isArray(value)) return value.map((item) => this.#redact(item, seen));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        this.isSecretKey(key) && (typeof item === 'string' || typeof item === 'number')
          ? REDACTED
          : this.#redact(item, seen);
    }
    return out;
  }

  #redactError(error: Error, seen: WeakSet<object>): Record<string, unknown> {
    const out: Record<string, unknown> = { type: error.name, message: this.redactText(error.message) };
    if (error.stack) out.stack = this.redactText(error.stack);
    for (const [key, item] of Object.entries(error)) out[key] = this.#redact(item, seen);
    if (error.cause !== undefined) out.cause = this.#redact(error.cause, seen);
    return out;
  }

  #compile(): RegExp | undefined {
    if (this.#secrets.size === 0) return undefined;
    if (!this.#pattern) {
      // Longest first, so that a secret containing another is replaced whole.
      const sorted = [...this.#secrets].sort((a, b) => b.length - a.length);
      this.#pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
    return this.#pattern;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The process-wide redactor: the logger, error printing and every writer of plans and audit use it. */
export const redactor = new Redactor();
