import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Redactor } from '../../log/redact.js';

/** Output of one line longer than this is written in pieces rather than held back. */
const MAX_PENDING = 64 * 1024;

/**
 * The log of one build, appended as the steps print. Text is redacted before it reaches the
 * file; output is written a line at a time, so a secret split across two reads of a pipe is
 * still recognised.
 */
export class BuildLog {
  readonly #fd: number;
  readonly #redactor = new Redactor();
  /** A secret may start this many characters before the end of the pending text. */
  readonly #hold: number;
  #pending = '';
  #atLineStart = true;

  constructor(path: string, secrets: readonly string[]) {
    this.#fd = openSync(path, 'a');
    let longest = 0;
    for (const secret of secrets) {
      this.#redactor.register(secret);
      longest = Math.max(longest, secret.length);
    }
    this.#hold = Math.max(0, longest - 1);
  }

  /** Redacts text with this build's secrets (for step commands and messages). */
  redact(text: string): string {
    return this.#redactor.redactText(text);
  }

  /** Appends output of a step. */
  write(text: string): void {
    this.#pending += text;
    const newline = this.#pending.lastIndexOf('\n');
    if (newline >= 0) {
      this.#emit(this.redact(this.#pending.slice(0, newline + 1)));
      this.#pending = this.#pending.slice(newline + 1);
    }
    if (this.#pending.length > MAX_PENDING) {
      const redacted = this.redact(this.#pending);
      const keep = Math.min(this.#hold, redacted.length);
      this.#emit(redacted.slice(0, redacted.length - keep));
      this.#pending = redacted.slice(redacted.length - keep);
    }
  }

  /** Writes what was held back of a step's output. */
  flush(): void {
    if (this.#pending === '') return;
    this.#emit(this.redact(this.#pending));
    this.#pending = '';
  }

  /** A line of the runner's own (step headers, results), on a line of its own. */
  note(line: string): void {
    this.flush();
    this.#emit(`${this.#atLineStart ? '' : '\n'}${this.redact(line)}\n`);
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }

  #emit(text: string): void {
    if (text === '') return;
    writeSync(this.#fd, text);
    this.#atLineStart = text.endsWith('\n');
  }
}

/** The last `bytes` bytes of a file as text, starting at a character boundary. */
export function readTail(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    const read = readSync(fd, buffer, 0, buffer.length, start);
    let from = 0;
    while (from < read && ((buffer[from] as number) & 0xc0) === 0x80) from++;
    return buffer.subarray(from, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads a log from a byte offset, stopping before an incomplete character at the end. */
export async function readLogFrom(
  path: string,
  offset: number,
  maxBytes: number,
): Promise<{ text: string; nextOffset: number; size: number }> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const start = Math.min(Math.max(0, offset), size);
    const buffer = Buffer.alloc(Math.min(maxBytes, size - start));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const complete = completeLength(buffer.subarray(0, bytesRead));
    return { text: buffer.subarray(0, complete).toString('utf8'), nextOffset: start + complete, size };
  } finally {
    await handle.close();
  }
}

/** How many leading bytes of a UTF-8 buffer end on a character boundary. */
function completeLength(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(3, buffer.length); back++) {
    const byte = buffer[buffer.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? buffer.length - back : buffer.length;
  }
  return buffer.length;
}
