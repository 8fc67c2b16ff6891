// Daemons the lab starts, found again and stopped through their pid files only.
//
// A pid in a file is trusted only when /proc says that pid is still the program we started
// (same executable, and our own config or pid-file path on its command line). After a reboot or
// a crash the number may belong to an unrelated process: the file is then stale, it is removed,
// and that process is never signalled.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';

export interface DaemonIdentity {
  /** Absolute path of the executable, as /proc/PID/exe shows it. */
  exe: string;
  /** A string that must appear among the process's argv (our config or pid-file path). */
  marker: string;
}

export type PidFileState =
  | { kind: 'running'; pid: number }
  | { kind: 'absent' }
  | { kind: 'stale'; pid: number | null; reason: string };

/** /proc/PID/stat fields after the command name, which may itself hold spaces or ')'. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export function processArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0');
  } catch {
    return [];
  }
}

function matchesIdentity(pid: number, who: DaemonIdentity): boolean {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    return exe === who.exe && processArgv(pid).some((arg) => arg.includes(who.marker));
  } catch {
    return false;
  }
}

export function readPidFile(file: string, who: DaemonIdentity): PidFileState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'absent' };
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 1) return { kind: 'stale', pid: null, reason: 'unreadable pid file' };
  if (!isAlive(pid)) return { kind: 'stale', pid, reason: `process ${pid} is gone` };
  if (!matchesIdentity(pid, who)) return { kind: 'stale', pid, reason: `pid ${pid} now belongs to another program` };
  return { kind: 'running', pid };
}

/**
 * The running pid, or null. A stale pid file is removed, with the leftovers the caller names
 * (a dead dockerd's socket, say), and reported through onStale.
 */
export function runningPid(file: string, who: DaemonIdentity, leftovers: string[] = [], onStale?: (message: string) => void): number | null {
  const state = readPidFile(file, who);
  if (state.kind === 'running') return state.pid;
  if (state.kind === 'stale') {
    for (const path of [file, ...leftovers]) rmSync(path, { force: true });
    onStale?.(`removed stale ${file} (${state.reason})`);
  }
  return null;
}

/** Direct children of a process (sshd's per-connection processes), found through /proc. */
export function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (Number(statFields(Number(entry))?.[1]) === parent) children.push(Number(entry));
  }
  return children;
}

/** A clean environment for daemons: nothing from the caller's shell (tokens, proxies) leaks in. */
export function daemonEnv(): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
}

/**
 * Start a daemon in its own session (Node's `detached` calls setsid), so it outlives the
 * `npm run lab` process and a Ctrl-C in the terminal that started it.
 */
export function spawnDaemon(argv: string[], logFile: string, env: NodeJS.ProcessEnv = daemonEnv()): number {
  const [cmd, ...args] = argv;
  if (!cmd) throw new Error('spawnDaemon: empty argv');
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log], env });
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Daemons write their own pid files; write it ourselves if one has not by the time it answers. */
export function ensurePidFile(file: string, pid: number): void {
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === pid) return;
  } catch {
    // Not written yet.
  }
  writeFileSync(file, `${pid}\n`);
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** SIGTERM, wait, then SIGKILL. Only ever called with a pid that passed readPidFile. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (isAlive(pid)) await sleep(50);
}

/** Poll until `check` is true; on timeout or early exit, throw naming `what` and the log's tail. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  opts: { timeoutMs: number; intervalMs?: number; logFile?: string; pid?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    if (opts.pid !== undefined && !isAlive(opts.pid)) {
      throw new Error(`${what}: the process exited${logTail(opts.logFile)}`);
    }
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${opts.timeoutMs / 1000}s${logTail(opts.logFile)}`);
    await sleep(opts.intervalMs ?? 200);
  }
}

function logTail(file: string | undefined): string {
  if (!file) return '';
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-3);
    return ` (see ${file}: ${lines.join(' | ')})`;
  } catch {
    return '';
  }
}
