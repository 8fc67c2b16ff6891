/**
 * Helpers for the transport e2e tests: our own extra sshd processes (a ProxyJump hop, one with
 * stream-local forwarding off, one with a new host key) on loopback ports 22030-22049, using
 * the lab's deploy user and key; a real ssh-agent; and counting TCP connections from /proc.
 * Everything started here is stopped by pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fingerprintSHA256 } from '../../src/config/known-hosts.js';
import type { LabInfo } from '../lab/api.js';
import { tcpConnectionsFrom } from '../support/proc-net-tcp.js';
import { writeSshdConfig } from '../support/sshd-config.js';

export interface ExtraSshd {
  port: number;
  pid: number;
  dir: string;
  logFile: string;
  /** Public host keys, OpenSSH text form "type base64". */
  hostKeys: { type: string; base64: string; fingerprint: string; file: string }[];
  knownHostsLines(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function tmpDir(prefix: string): string {
  // 0755 so that sshd (running checks as the deploy user) can read files we put here.
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `opsdeck-${prefix}-`));
  fs.chmodSync(d, 0o755);
  return d;
}

export function banner(port: number, timeoutMs = 2000): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    let data = '';
    const done = (v: string | null) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(null));
    s.on('error', () => done(null));
    s.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      if (data.includes('\n')) done(data.split('\r\n')[0]!);
    });
  });
}

function keygen(file: string, type: 'ed25519' | 'ecdsa'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'opsdeck-e2e', '-f', file], { stdio: 'ignore' });
}

export interface ExtraSshdOptions {
  port: number;
  /** Extra sshd_config lines (e.g. "AllowStreamLocalForwarding no"). */
  config?: string[];
  hostKeyTypes?: ('ed25519' | 'ecdsa')[];
  logLevel?: 'VERBOSE' | 'DEBUG3';
}

export async function startExtraSshd(lab: LabInfo, opts: ExtraSshdOptions): Promise<ExtraSshd> {
  if (opts.port < 22030 || opts.port > 22049) throw new Error('extra sshd ports are 22030-22049');
  if (await banner(opts.port, 300)) throw new Error(`port ${opts.port} is already taken`);
  const dir = tmpDir(`sshd-${opts.port}`);
  const hostKeys = (opts.hostKeyTypes ?? ['ed25519']).map((type) => {
    const file = path.join(dir, `host_${type}`);
    keygen(file, type);
    const [t, b64] = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
    return { type: t!, base64: b64!, fingerprint: fingerprintSHA256(Buffer.from(b64!, 'base64')), file };
  });
  const cfg = path.join(dir, 'sshd_config');
  const logFile = path.join(dir, 'sshd.log');
  writeSshdConfig(cfg, {
    port: opts.port,
    hostKeys: hostKeys.map((k) => k.file),
    pidFile: path.join(dir, 'sshd.pid'),
    user: lab.sshd.user,
    lines: [
      'PermitRootLogin no',
      'PubkeyAuthentication yes',
      'AuthorizedKeysFile .ssh/authorized_keys',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitUserEnvironment yes',
      'X11Forwarding no',
      'PrintMotd no',
      `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
      ...(opts.config ?? []),
      // Defaults that our config lines above may override (sshd takes the first value).
      'AllowStreamLocalForwarding yes',
      'AllowTcpForwarding yes',
    ],
  });
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-f', cfg, '-E', logFile], { stdio: 'ignore', detached: false });
  const pid = child.pid!;
  for (let i = 0; i < 100 && !(await banner(opts.port, 300)); i++) await sleep(100);
  if (!(await banner(opts.port, 1000))) {
    child.kill('SIGTERM');
    throw new Error(`extra sshd on ${opts.port} did not start: ${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-500) : ''}`);
  }
  return {
    port: opts.port,
    pid,
    dir,
    logFile,
    hostKeys,
    knownHostsLines: () => hostKeys.map((k) => `[127.0.0.1]:${opts.port} ${k.type} ${k.base64}\n`).join(''),
    stop: async () => {
      // Per-connection children first (they outlive the listener otherwise), then the listener.
      for (const c of childPidsOf(pid)) killPid(c);
      killPid(pid);
      for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(50);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* gone */
  }
}

/** Direct children of a process, from /proc/PID/stat (field 4 is the parent pid). */
export function childPidsOf(pid: number): number[] {
  const kids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm may contain spaces and parentheses: the fields after the last ')' are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return kids;
}

export { tcpConnectionsFrom } from '../support/proc-net-tcp.js';

export function tcpConnectionsTo(port: number): number {
  return tcpConnectionsFrom(port).length;
}

export interface Agent {
  socket: string;
  pid: number;
  add(keyFile: string): void;
  stop(): void;
}

/** A real ssh-agent on its own socket; killed by pid. */
export function startAgent(): Agent {
  const dir = tmpDir('agent');
  const socket = path.join(dir, 'agent.sock');
  const out = execFileSync('ssh-agent', ['-s', '-a', socket], { encoding: 'utf8' });
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
  if (!pid) throw new Error(`ssh-agent did not say its pid: ${out}`);
  return {
    socket,
    pid,
    add: (keyFile) => {
      execFileSync('ssh-add', [keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    },
    stop: () => {
      killPid(pid);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Lines of an sshd log written after `offset` bytes. */
export function logSince(file: string, offset: number): string {
  const buf = fs.readFileSync(file);
  return buf.subarray(offset).toString('utf8');
}

export async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
