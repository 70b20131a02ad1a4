import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';

/** How long a step's process group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 1_000;
const POLL_MS = 25;

/** Where and with which environment a shell step runs, and where its output goes. */
export interface ShellOptions {
  cwd: string;
  /** Where durable-task keeps its control directory (`<workspace>@tmp`). */
  controlRoot: string;
  env: Record<string, string>;
  signal: AbortSignal;
  write(text: string): void;
}

/** How a shell step ended. */
export interface ShellOutcome {
  /** The exit code, or 128 + signal number when a signal ended bash (durable-task reports 143 for SIGTERM). */
  exitCode: number;
  interrupted: boolean;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * The `sh` step as durable-task runs it (jenkinsci/durable-task-plugin
 * src/main/java/org/jenkinsci/plugins/durabletask/BourneShellScript.java): the script is written
 * to `script.sh` in a control directory; a script that starts with `#!` is made executable and
 * run as it is, under the interpreter its first line names; any other runs under the shell with
 * `-xe` (each command echoed as `+ command`, stop at the first failure). Jenkins' shell is `sh`
 * unless configured; the emulator uses bash, the same on every platform. stdout and stderr both
 * go to a log file in the control directory, and that file is tailed into the console. The
 * script leads its own process group, so that an abort, and the end of the step, end every
 * process it started.
 */
export async function runShell(script: string, options: ShellOptions): Promise<ShellOutcome> {
  const control = mkdtempSync(join(options.controlRoot, 'durable-'));
  const scriptPath = join(control, 'script.sh');
  const direct = script.startsWith('#!');
  writeFileSync(scriptPath, script, { mode: direct ? 0o755 : 0o644 });
  const logPath = join(control, 'jenkins-log.txt');
  const fd = openSync(logPath, 'w+');
  // execa's types name only descriptors 1–9 here; at run time any open descriptor is handed to the child.
  const output = fd as 1;
  const tail = new LogTail(fd, options.write);
  try {
    const child = execa(direct ? scriptPath : 'bash', direct ? [] : ['-xe', scriptPath], {
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: output,
      stderr: output,
      detached: true,
      reject: false,
    });
    const pid = child.pid;
    let interrupted = false;
    const onAbort = (): void => {
      interrupted = true;
      options.write('Sending interrupt signal to process\n');
      if (pid !== undefined) void killGroup(pid);
    };
    if (options.signal.aborted) onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const poller = setInterval(() => tail.drain(), POLL_MS);
    const result = await child;
    clearInterval(poller);
    options.signal.removeEventListener('abort', onAbort);
    if (pid !== undefined) await killGroup(pid);
    tail.drain();
    tail.end();
    // The launcher's shell cannot run the script (an interpreter that is not there): "not found", 127.
    if (result.exitCode === undefined && !result.signal) {
      options.write(`${scriptPath}: ${result.code ?? 'cannot run'}\n`);
      return { exitCode: 127, interrupted };
    }
    const signalNumber = result.signal ? (SIGNALS[result.signal] ?? 1) : 0;
    const exitCode = result.exitCode ?? (signalNumber ? 128 + signalNumber : 255);
    return { exitCode, interrupted };
  } finally {
    closeSync(fd);
    rmSync(control, { recursive: true, force: true });
  }
}

/**
 * Reads what was appended to the log file since the last call, decoding UTF-8 across reads and
 * passing on whole lines only (the rest at the end), so that console filters such as secret
 * masking see each line in one piece.
 */
class LogTail {
  readonly #decoder = new StringDecoder('utf8');
  readonly #buffer = Buffer.alloc(64 * 1024);
  #position = 0;
  #partial = '';

  constructor(
    readonly fd: number,
    readonly write: (text: string) => void,
  ) {}

  drain(): void {
    for (;;) {
      const read = readSync(this.fd, this.#buffer, 0, this.#buffer.length, this.#position);
      if (read <= 0) break;
      this.#position += read;
      this.#partial += this.#decoder.write(this.#buffer.subarray(0, read));
    }
    const end = this.#partial.lastIndexOf('\n') + 1;
    if (end === 0) return;
    this.write(this.#partial.slice(0, end));
    this.#partial = this.#partial.slice(end);
  }

  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest) this.write(rest.endsWith('\n') ? rest : `${rest}\n`);
  }
}

/** SIGTERM to the whole group, SIGKILL to what is left after a grace period. */
async function killGroup(pid: number): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return;
  const until = Date.now() + KILL_GRACE_MS;
  while (Date.now() < until) {
    await sleep(20);
    if (!signalGroup(pid, 0)) return;
  }
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
