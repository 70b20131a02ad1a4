import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A process as recorded on disk: its pid and a start token (boot id and start time from /proc),
 * so that a pid the kernel has since given to another process is not taken for ours.
 * `token` is null where /proc is not available; then only the pid is checked.
 */
export interface ProcessRef {
  pid: number;
  token: string | null;
}

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2_000;

let bootId: string | null | undefined;

function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTime: string;
}

/** Fields of /proc/<pid>/stat; the command name may hold spaces and parentheses, so parse after the last ')'. */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) pgrp(5) … starttime(22), numbered as in proc(5).
  return { state: fields[0] ?? '?', pgrp: Number(fields[2]), startTime: fields[19] ?? '' };
}

function procAvailable(): boolean {
  return readBootId() !== null;
}

/** The start token of a running process, or null when it cannot be read. */
export function startToken(pid: number): string | null {
  const boot = readBootId();
  const stat = boot === null ? undefined : readStat(pid);
  return stat ? `${boot}:${stat.startTime}` : null;
}

/** This process as a ProcessRef. */
export function selfRef(): ProcessRef {
  return { pid: process.pid, token: startToken(process.pid) };
}

/** True when the process still runs and is the one that was recorded (zombies count as gone). */
export function isAlive(ref: ProcessRef): boolean {
  if (!Number.isInteger(ref.pid) || ref.pid <= 0) return false;
  if (procAvailable()) {
    const stat = readStat(ref.pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return ref.token === null || ref.token === startToken(ref.pid);
  }
  try {
    process.kill(ref.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while a process group has a member that is not a zombie. */
export function groupAlive(pgid: number): boolean {
  if (!procAvailable()) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}

/**
 * Ends a whole process group (a step and everything it started): `signal` (SIGTERM), then SIGKILL for
 * whatever is left after the grace period. Zombies waiting for a reaper count as ended.
 */
export async function killGroup(
  pgid: number,
  graceMs = KILL_GRACE_MS,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!signalGroup(pgid, signal)) return;
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!groupAlive(pgid)) return;
    await sleep(25);
  }
  signalGroup(pgid, 'SIGKILL');
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when the group led by the recorded process still has members and is still that
 * process's group: a leader with another start token means the pid was reused. A group whose
 * leader has exited keeps its number reserved by the kernel while any member lives.
 */
export function ownsLiveGroup(leader: ProcessRef): boolean {
  const token = startToken(leader.pid);
  if (token !== null && leader.token !== null && token !== leader.token) return false;
  return groupAlive(leader.pid);
}

/** Whether a process of this machine runs (signal 0 reaches it, or it exists under another user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
