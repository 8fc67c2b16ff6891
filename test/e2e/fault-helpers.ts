/**
 * Fixtures for the fault tests: a PRIVATE sshd (own port, host key and config under /tmp) that
 * may be killed, restarted and frozen without touching the lab's; a PRIVATE dockerd (own socket,
 * data-root and exec-root under /tmp, no networking, as the lab starts its own) that may be
 * restarted; the bundled app on a pseudo-terminal read through a headless xterm; and a seeded
 * random number generator whose seed the test prints. Everything started here is stopped by pid.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabInfo } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { banner, childPidsOf, isAlive, tmpDir } from './transport-helpers.js';
import { writeSshdConfig } from '../support/sshd-config.js';
import { startOnPty } from '../support/pty-terminal.js';
import { DOCKERD_NO_NETWORK, pingDocker } from '../lab/dockerd.js';

export const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Every process below pid (children, grandchildren …), deepest last. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  for (const c of childPidsOf(pid)) out.push(c, ...descendantsOf(c));
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

async function waitGone(pid: number, ms: number): Promise<void> {
  for (let t = 0; t < ms && isAlive(pid); t += 50) await sleep(50);
}

export interface PrivateSshd {
  port: number;
  dir: string;
  /** ssh_config with Host `alias` for this sshd (the lab's deploy user and key). */
  sshConfig: string;
  alias: string;
  listenerPid(): number | null;
  start(): Promise<void>;
  /** SIGKILL the listener and every session process below it: a crash, not a clean stop. */
  crash(): Promise<void>;
  /** The per-connection processes (privileged monitor and its unprivileged child). */
  sessionPids(): number[];
  stop(): Promise<void>;
}

/**
 * An sshd of our own on `port` for the lab's deploy user, so that killing it never touches the
 * lab's. The host key is made once, so a restarted sshd is the same server to a pinned client.
 */
export async function privateSshd(lab: LabInfo, port: number, opts: { serverAliveIntervalSec?: number } = {}): Promise<PrivateSshd> {
  if (await banner(port, 300)) throw new Error(`port ${port} on 127.0.0.1 is already taken`);
  const dir = tmpDir(`faults-sshd-${port}`);
  const key = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'opsdeck-faults', '-f', key], { stdio: 'ignore' });
  const [type, b64] = fs.readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${b64}\n`);
  const cfg = path.join(dir, 'sshd_config');
  const log = path.join(dir, 'sshd.log');
  const sshd = {
    port,
    hostKeys: [key],
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
      'AllowStreamLocalForwarding yes',
      'AllowTcpForwarding local',
      'X11Forwarding no',
      'PrintMotd no',
      // Many reconnects in a row: no penalty for them.
      'MaxStartups 100',
      'LogLevel VERBOSE',
    ],
  };
  // Newer sshd (9.8+) also penalises sources that reconnect often; Debian 12's 9.2 does not know
  // the option, and writeSshdConfig's `sshd -t` refuses it there.
  try {
    writeSshdConfig(cfg, { ...sshd, lines: [...sshd.lines, 'PerSourcePenalties no'] });
  } catch {
    writeSshdConfig(cfg, sshd);
  }
  const alias = 'opsdeck-faults';
  const sshConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    sshConfig,
    [
      `Host ${alias}`,
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      `  User ${lab.sshd.user}`,
      `  IdentityFile ${lab.sshd.privateKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      ...(opts.serverAliveIntervalSec ? [`  ServerAliveInterval ${opts.serverAliveIntervalSec}`, '  ServerAliveCountMax 3'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const listenerPid = () => (child?.pid !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : null);
  const sessionPids = () => {
    const pid = listenerPid();
    return pid === null ? [] : descendantsOf(pid);
  };
  const start = async () => {
    if (listenerPid() !== null) return;
    child = spawn('/usr/sbin/sshd', ['-D', '-f', cfg, '-E', log], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await banner(port, 300)); i++) await sleep(50);
    if (!(await banner(port, 1000))) throw new Error(`private sshd on ${port} did not start: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-500) : ''}`);
  };
  const crash = async () => {
    const pid = listenerPid();
    if (pid === null) return;
    const below = descendantsOf(pid);
    signal(pid, 'SIGKILL');
    for (const p of below) signal(p, 'SIGKILL');
    await waitGone(pid, 5000);
    for (const p of below) await waitGone(p, 2000);
  };
  await start();
  return {
    port,
    dir,
    sshConfig,
    alias,
    listenerPid,
    start,
    crash,
    sessionPids,
    stop: async () => {
      for (const p of sessionPids()) signal(p, 'SIGCONT');
      await crash();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateDockerd {
  socket: string;
  pid(): number | null;
  start(): Promise<void>;
  /** SIGTERM, as `systemctl restart docker` does, and wait for it to exit. */
  stop(): Promise<void>;
  docker(...args: string[]): string;
  remove(): Promise<void>;
}

const pingSocket = (socket: string): Promise<boolean> => pingDocker(socket, 2000);

/**
 * A dockerd of our own, started as the lab starts its one (test/lab/dockerd.ts): own socket,
 * data-root, exec-root and pid file, group docker (the deploy user reaches it through SSH), no
 * bridge, no iptables, no forwarding. Its containerd is its own (under exec-root).
 */
export async function privateDockerd(): Promise<PrivateDockerd> {
  const dir = tmpDir('faults-dockerd');
  const socket = path.join(dir, 'docker.sock');
  const log = path.join(dir, 'dockerd.log');
  let child: ChildProcess | undefined;
  const pid = () => (child?.pid !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : null);
  const start = async () => {
    if (pid() !== null) return;
    fs.rmSync(socket, { force: true });
    const out = fs.openSync(log, 'a');
    child = spawn(
      '/usr/sbin/dockerd',
      [
        `--host=unix://${socket}`,
        `--data-root=${path.join(dir, 'data')}`,
        `--exec-root=${path.join(dir, 'exec')}`,
        `--pidfile=${path.join(dir, 'dockerd.pid')}`,
        ...DOCKERD_NO_NETWORK,
      ],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    const started = child;
    for (let i = 0; i < 600 && !(await pingSocket(socket)); i++) {
      if (started.exitCode !== null) break;
      await sleep(100);
    }
    if (!(await pingSocket(socket))) throw new Error(`private dockerd did not start: ${fs.readFileSync(log, 'utf8').slice(-800)}`);
  };
  const stop = async () => {
    const p = pid();
    if (p === null) return;
    signal(p, 'SIGTERM');
    await waitGone(p, 60_000);
  };
  await start();
  return {
    socket,
    pid,
    start,
    stop,
    docker: (...args) => execFileSync('docker', ['-H', `unix://${socket}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }),
    remove: async () => {
      await stop();
      // Mounts under exec-root and data-root are gone with dockerd; what is left is plain files.
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PtyApp {
  child: ChildProcess;
  raw(): string;
  screen(): Promise<string[]>;
  write(keys: string): void;
  exited: Promise<number | null>;
  stderr(): string;
  quit(): Promise<number | null | 'timeout'>;
}

/** The bundled app on a pseudo-terminal (script(1)), drawn into a headless xterm. */
export function startPtyApp(args: string[], opts: { cols?: number; rows?: number } = {}): PtyApp {
  const cols = opts.cols ?? 160;
  const rows = opts.rows ?? 50;
  const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, ...args];
  const pty = startOnPty(argv, { cols, rows, maxRawBytes: 4 << 20 });
  const { child, exited } = pty;
  return {
    child,
    raw: pty.raw,
    stderr: pty.stderr,
    screen: pty.screen,
    write: (keys) => void child.stdin!.write(keys),
    exited,
    quit: async () => {
      child.stdin!.write('q');
      const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') child.kill('SIGKILL');
      return code;
    },
  };
}

/** The app's arguments for a server behind our private sshd. */
export function hostArgs(sshd: PrivateSshd, socket: string): string[] {
  return ['--host', sshd.alias, '--ssh-config', sshd.sshConfig, '--socket', socket, '--config', '/nonexistent/opsdeck.json'];
}
