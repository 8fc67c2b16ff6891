/**
 * What the kernel says a process costs: CPU time from /proc/PID/stat, memory from
 * /proc/PID/status, and which TCP connections it holds. Linux only; benchmarks only.
 *
 * CPU is counted in USER_HZ ticks (10 ms on every Linux Docker runs on); a process tree's cost is
 * each live process's own time plus the time of the children it has reaped (cutime/cstime), so
 * the sum over a tree never goes backwards while the tree's root lives.
 */
import fs from 'node:fs';

export const TICK_MS = 10;

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** Own CPU, ms. */
  selfMs: number;
  /** Own CPU plus that of reaped children, ms. */
  withReapedMs: number;
  /** Start time since boot, ticks: tells a pid reused by a new process from the old one. */
  start: number;
}

export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // comm is in parentheses and may hold spaces or parentheses itself: split after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); utime is field 14 → f[11].
  const n = (i: number) => Number(f[i - 3]);
  const self = n(14) + n(15);
  return { pid, comm, ppid: n(4), selfMs: self * TICK_MS, withReapedMs: (self + n(16) + n(17)) * TICK_MS, start: n(22) };
}

export function allStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) out.set(s.pid, s);
  }
  return out;
}

/** Live children of pid, from /proc/PID/task/TID/children (no scan of all of /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const w of fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ')) if (w.trim()) out.push(Number(w));
    } catch {
      // task ended
    }
  }
  return out;
}

/** pid and all its live descendants. */
export function processTree(root: number): ProcStat[] {
  const out: ProcStat[] = [];
  const walk = (pid: number) => {
    const s = readStat(pid);
    if (!s) return;
    out.push(s);
    for (const c of childrenOf(pid)) walk(c);
  };
  walk(root);
  return out;
}

/** CPU of a whole tree, ms: live processes plus everything they reaped. */
export function treeCpuMs(root: number): number {
  return processTree(root).reduce((a, s) => a + s.withReapedMs, 0);
}

export function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

export interface Memory {
  rssKb: number;
  hwmKb: number;
}

export function memory(pid: number): Memory | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

// /proc/net/tcp and socket inodes are read by the e2e tests too: one copy, in test/support.
export { socketInodes, tcpTable, type TcpRow } from '../../test/support/proc-net-tcp.js';

/** Ticks since boot now, comparable with ProcStat.start. */
export function nowTicks(): number {
  return Math.floor(Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * (1000 / TICK_MS));
}

export function readPidFile(file: string): number {
  const pid = Number(fs.readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !readStat(pid)) throw new Error(`${file}: no live process`);
  return pid;
}
