import { terminalSafe } from '../../util/terminal-safe.js';

/** GitHub refuses comments longer than this many characters. */
export const COMMENT_LIMIT = 65_536;

/**
 * Assembles Markdown within a character budget: whole blocks first, then table rows one by one;
 * what does not fit is counted, and the caller ends with a note that says so.
 */
export class BudgetedMarkdown {
  readonly #parts: string[] = [];
  #length = 0;
  #omittedRows = 0;

  constructor(private readonly limit: number) {}

  get omittedRows(): number {
    return this.#omittedRows;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds a block if it fits; returns whether it did. */
  add(text: string): boolean {
    if (this.#length + text.length > this.limit) return false;
    this.#parts.push(text);
    this.#length += text.length;
    return true;
  }

  /** Adds a table (header, then rows while they fit), inside optional wrapping text. */
  table(header: string, rows: string[], before = '', after = ''): void {
    if (!this.add(`${before}${header}`)) {
      this.#omittedRows += rows.length;
      return;
    }
    let index = 0;
    // Keep room for what closes the block.
    for (; index < rows.length; index++) {
      if (this.#length + (rows[index] as string).length + after.length > this.limit) break;
      this.add(rows[index] as string);
    }
    this.#omittedRows += rows.length - index;
    this.#parts.push(after);
    this.#length += after.length;
  }

  toString(): string {
    return this.#parts.join('');
  }
}

/** Text for a Markdown table cell: no pipes, no line breaks, no HTML, no control or bidi characters. */
export function cell(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;');
  return terminalSafe(escaped.replace(/\r?\n/g, '<br>'));
}
