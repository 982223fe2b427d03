import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * Readings of /proc (Linux only): CPU time and memory of whole processes (all their threads), and the
 * process tree, so the benchmark can measure the gateway from outside without instrumenting it.
 */

let ticksPerSecond: number | undefined;

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (`getconf CLK_TCK`, 100 nearly everywhere). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface Stat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie: exited, not yet reaped)… */
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  /** utime alone, in clock ticks. */
  userTicks: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may contain spaces or parentheses: split after the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const comm = text.slice(open + 1, close);
  // Fields after the name start at field 3 (state); ppid is field 4, utime 14, stime 15.
  const rest = text.slice(close + 2).split(' ');
  const field = (number: number): number => Number(rest[number - 3] ?? NaN);
  return { pid, comm, state: rest[0] ?? '?', ppid: field(4), cpuTicks: field(14) + field(15), userTicks: field(14) };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The pid and every live descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0 && tree.length < 10_000) {
    const pid = pending.pop()!;
    if (!readStat(pid)) continue;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Pids of every process whose command name (as in /proc/<pid>/stat) is one of `names`. */
export function pidsByCommand(names: readonly string[]): number[] {
  const wanted = new Set(names);
  return allPids().filter((pid) => {
    const stat = readStat(pid);
    return stat !== undefined && wanted.has(stat.comm);
  });
}

/** Sum of user + system CPU time of the given processes, in milliseconds (processes gone count 0). */
export function cpuMs(pids: readonly number[]): Record<number, number> {
  const perTick = 1000 / clockTicksPerSecond();
  const result: Record<number, number> = {};
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) result[pid] = stat.cpuTicks * perTick;
  }
  return result;
}

/** User-mode CPU time alone (the rest of `cpuMs` is kernel time: syscalls, loopback TCP). */
export function userCpuMs(pids: readonly number[]): Record<number, number> {
  const perTick = 1000 / clockTicksPerSecond();
  const result: Record<number, number> = {};
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) result[pid] = stat.userTicks * perTick;
  }
  return result;
}

/** CPU milliseconds spent between two `cpuMs` readings, over the processes present in both. */
export function cpuDeltaMs(before: Record<number, number>, after: Record<number, number>): number {
  let total = 0;
  for (const [pid, value] of Object.entries(after)) {
    const start = before[Number(pid)];
    if (start !== undefined) total += value - start;
  }
  return total;
}

export interface Memory {
  /** Resident set size now, MiB. */
  rssMiB: number;
  /** Peak resident set size (VmHWM), MiB. */
  peakRssMiB: number;
}

/** Memory of one process from /proc/<pid>/status, or undefined when it is gone. */
export function memory(pid: number): Memory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/** Memory summed over several processes (peaks summed too: an upper bound of the joint peak). */
export function totalMemory(pids: readonly number[]): Memory {
  let rssMiB = 0;
  let peakRssMiB = 0;
  for (const pid of pids) {
    const reading = memory(pid);
    if (!reading) continue;
    rssMiB += reading.rssMiB;
    peakRssMiB += reading.peakRssMiB;
  }
  return { rssMiB, peakRssMiB };
}

/** True while the process exists and has not exited (a zombie has). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The command line of a process, shortened to what identifies it (the script for node processes). */
export function commandLine(pid: number): string {
  let parts: string[];
  try {
    parts = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part.length > 0);
  } catch {
    return '(gone)';
  }
  const script = parts.find((part) => /\.(ts|js|mjs)$/.test(part));
  const program = parts[0]?.split('/').pop() ?? '?';
  return script ? `${program} ${script.replace(/^.*\/(apps|packages)\//, '$1/')}` : parts.join(' ').slice(0, 120);
}

/** CPU time of the whole machine (all cores) from /proc/stat, ms: busy and total. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const perTick = 1000 / clockTicksPerSecond();
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy * perTick, total: (busy + idle + iowait) * perTick };
}
