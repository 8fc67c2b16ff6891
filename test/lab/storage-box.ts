/**
 * A stand-in for an off-site storage box (a Hetzner Storage Box speaks rsync over SSH): a second
 * OpenSSH sshd on a loopback port of its own, accepting the lab's deploy user with a key made
 * for it. The "server" (the lab host, as deploy) pushes backups here with rsync. Started by the
 * test that needs it, stopped by pid; everything lives in one temporary directory.
 *
 *   const box = await startStorageBox(lab);             // 127.0.0.1:22061
 *   settings.offsite.rsync = { destination: box.destination, port: box.port,
 *                              identityFile: box.clientKey, knownHostsFile: box.knownHosts };
 *   await box.stop();
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LabInfo } from './api.js';
import { writeSshdConfig } from '../support/sshd-config.js';

export const STORAGE_BOX_PORT = 22061;

export interface StorageBox {
  port: number;
  pid: number;
  dir: string;
  /** Where backups land: a directory owned by the deploy user. */
  root: string;
  /** user@127.0.0.1:root, as the backup settings want it. */
  destination: string;
  /** The private key the server (deploy) uses for the box; deploy-owned, mode 600. */
  clientKey: string;
  /** known_hosts with the box's host key, readable by deploy. */
  knownHosts: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function banner(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('error', () => done(false));
    s.on('data', (c: Buffer) => done(c.toString('latin1').startsWith('SSH-')));
  });
}

function uidGid(user: string): { uid: number; gid: number } {
  return { uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()), gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()) };
}

export async function startStorageBox(lab: LabInfo, port = STORAGE_BOX_PORT): Promise<StorageBox> {
  if (await banner(port, 300)) throw new Error(`port ${port} is already taken (a storage box left running?)`);
  const user = lab.sshd.user;
  const ids = uidGid(user);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-storagebox-'));
  fs.chmodSync(dir, 0o755);
  const hostKey = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'opsdeck-storagebox-host', '-f', hostKey], { stdio: 'ignore' });
  const clientKey = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'opsdeck-storagebox-client', '-f', clientKey], { stdio: 'ignore' });
  fs.chownSync(clientKey, ids.uid, ids.gid);
  fs.chmodSync(clientKey, 0o600);
  const authorized = path.join(dir, 'authorized_keys');
  fs.writeFileSync(authorized, fs.readFileSync(`${clientKey}.pub`), { mode: 0o644 });
  const root = path.join(dir, 'box');
  fs.mkdirSync(root, { mode: 0o700 });
  fs.chownSync(root, ids.uid, ids.gid);
  const [type, b64] = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${b64}\n`, { mode: 0o644 });
  const cfg = path.join(dir, 'sshd_config');
  const log = path.join(dir, 'sshd.log');
  writeSshdConfig(cfg, {
    port,
    hostKeys: [hostKey],
    pidFile: path.join(dir, 'sshd.pid'),
    user,
    lines: [
      'PermitRootLogin no',
      'PubkeyAuthentication yes',
      `AuthorizedKeysFile ${authorized}`,
      // The key files live under the world-writable /tmp; the box is a test stand-in.
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'AllowTcpForwarding no',
      'AllowStreamLocalForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
    ],
  });
  const child = spawn('/usr/sbin/sshd', ['-D', '-f', cfg, '-E', log], { stdio: 'ignore' });
  const pid = child.pid!;
  for (let i = 0; i < 100 && !(await banner(port, 300)); i++) await sleep(100);
  if (!(await banner(port, 1000))) {
    child.kill('SIGTERM');
    throw new Error(`storage box sshd on ${port} did not start: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-500) : ''}`);
  }
  return {
    port,
    pid,
    dir,
    root,
    destination: `${user}@127.0.0.1:${root}`,
    clientKey,
    knownHosts,
    stop: async () => {
      // Per-connection children first (they outlive the listener otherwise), then the listener.
      for (const c of childPids(pid)) kill(c);
      kill(pid);
      for (let i = 0; i < 50 && alive(pid); i++) await sleep(50);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* gone */
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
