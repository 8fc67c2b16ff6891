/**
 * Helpers for the unlock e2e tests, on loopback ports 22240-22249 only, every process stopped by
 * its pid:
 *  - our own OpenSSH sshd standing in for the server's real sshd, so "sshd is down until the
 *    disk is unlocked" never touches the lab's sshd that other engineers' tests use;
 *  - our own Dropbear with its own host key and authorized_keys. Dropbear 2022.83 reads only
 *    ~USER/.ssh/authorized_keys, and the lab's `unlock` user's file must stay as it is, so ours
 *    runs in a private mount namespace (unshare -m) where a temp dir is bind-mounted over that
 *    .ssh: nothing outside the namespace sees it;
 *  - the CLI as a real child process with the passphrase on fd 3, and a /proc watcher that
 *    records any process whose argv holds a given secret.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { banner } from './transport-helpers.js';
import os from 'node:os';
import path from 'node:path';
import { fingerprintSHA256 } from '../../src/config/known-hosts.js';
import type { LabInfo } from '../lab/api.js';
import { writeSshdConfig } from '../support/sshd-config.js';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkPort(port: number): void {
  if (port < 22240 || port > 22249) throw new Error('unlock e2e ports are 22240-22249');
}

// One banner reader for every e2e helper.
export { banner };

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

/** Stop a child we spawned and the processes it forked (per-connection sshd/dropbear children), by pid. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (const c of childPids(child.pid!)) {
    try {
      process.kill(c, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `opsdeck-${prefix}-`));
  fs.chmodSync(d, 0o755);
  return d;
}

async function waitForBanner(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await banner(port, 300)) return;
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`nothing answers on ${port}: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-600) : '(no log)'}`);
}

export interface OwnSshd {
  port: number;
  pid: number | undefined;
  hostKey: { type: string; base64: string; fingerprint: string };
  knownHostsLine: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

/** An sshd for the lab's deploy user, prepared but not started: the server's real sshd, down until the unlock. */
export function prepareSshd(lab: LabInfo, port: number): OwnSshd {
  checkPort(port);
  const dir = tmpDir(`unlock-sshd-${port}`);
  const key = path.join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'opsdeck-unlock-e2e', '-f', key], { stdio: 'ignore' });
  const [type, base64] = fs.readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/) as [string, string];
  const cfg = path.join(dir, 'sshd_config');
  const log = path.join(dir, 'sshd.log');
  writeSshdConfig(cfg, {
    port,
    hostKeys: [key],
    pidFile: path.join(dir, 'sshd.pid'),
    user: lab.sshd.user,
    lines: [
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitUserEnvironment yes',
      'AllowStreamLocalForwarding yes',
      'PrintMotd no',
    ],
  });
  let child: ChildProcess | undefined;
  let starting: Promise<void> | undefined;
  const self: OwnSshd = {
    port,
    pid: undefined,
    hostKey: { type, base64, fingerprint: fingerprintSHA256(Buffer.from(base64, 'base64')) },
    knownHostsLine: `[127.0.0.1]:${port} ${type} ${base64}\n`,
    start: () => {
      // Synchronous guard: two callers racing must not both spawn (the loser would leak).
      if (child || starting) return Promise.reject(new Error(`our sshd on ${port} is already running`));
      starting = (async () => {
        if (await banner(port, 200)) throw new Error(`port ${port} is already taken`);
        child = spawn('/usr/sbin/sshd', ['-D', '-f', cfg, '-E', log], { stdio: 'ignore' });
        self.pid = child.pid;
        await waitForBanner(port, child, log);
      })().finally(() => {
        starting = undefined;
      });
      return starting;
    },
    stop: async () => {
      await starting?.catch(() => undefined);
      const c = child;
      child = undefined;
      self.pid = undefined;
      if (c) await stopChild(c);
    },
    remove: async () => {
      await self.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

export interface OwnDropbear {
  port: number;
  pid: number;
  dir: string;
  hostKeyFile: string;
  hostKey: { type: string; base64: string; fingerprint: string };
  log(): string;
  stop(): Promise<void>;
}

function unlockUser(): { uid: number; gid: number; home: string } {
  const line = execFileSync('getent', ['passwd', 'unlock'], { encoding: 'utf8' }).trim().split(':');
  return { uid: Number(line[2]), gid: Number(line[3]), home: line[5]! };
}

/**
 * A Dropbear as dropbear-initramfs runs it (-s -j -k), on our port, for the lab's `unlock`
 * user, with the authorized_keys lines given and its own (or a given) host key.
 */
export async function startDropbear(opts: { port: number; authorizedKeys: string[]; hostKeyFile?: string; extraOptions?: string[] }): Promise<OwnDropbear> {
  checkPort(opts.port);
  if (await banner(opts.port, 200)) throw new Error(`port ${opts.port} is already taken`);
  const dir = tmpDir(`unlock-dropbear-${opts.port}`);
  const u = unlockUser();
  const sshDir = path.join(dir, 'dot-ssh');
  fs.mkdirSync(sshDir, { mode: 0o700 });
  fs.writeFileSync(path.join(sshDir, 'authorized_keys'), opts.authorizedKeys.join('\n') + '\n', { mode: 0o600 });
  fs.chownSync(sshDir, u.uid, u.gid);
  fs.chownSync(path.join(sshDir, 'authorized_keys'), u.uid, u.gid);
  const hostKeyFile = opts.hostKeyFile ?? path.join(dir, 'dropbear_ed25519_host_key');
  if (!opts.hostKeyFile) execFileSync('dropbearkey', ['-t', 'ed25519', '-f', hostKeyFile], { stdio: 'ignore' });
  const pub = execFileSync('dropbearkey', ['-y', '-f', hostKeyFile], { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('ssh-'))!;
  const [type, base64] = pub.trim().split(/\s+/) as [string, string];
  const logFile = path.join(dir, 'dropbear.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      'mount --bind "$1" "$2" && shift 2 && exec "$@"',
      'sh',
      sshDir,
      path.join(u.home, '.ssh'),
      '/usr/sbin/dropbear',
      '-F',
      '-E',
      '-s',
      '-j',
      '-k',
      '-p',
      `127.0.0.1:${opts.port}`,
      '-r',
      hostKeyFile,
      '-P',
      path.join(dir, 'dropbear.pid'),
      ...(opts.extraOptions ?? []),
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  await waitForBanner(opts.port, child, logFile);
  return {
    port: opts.port,
    pid: child.pid!,
    dir,
    hostKeyFile,
    hostKey: { type, base64, fingerprint: fingerprintSHA256(Buffer.from(base64, 'base64')) },
    log: () => fs.readFileSync(logFile, 'utf8'),
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Watches every process's argv (/proc/PID/cmdline) for a secret until stopped; returns the offenders. */
export function watchArgv(secret: string): { stop(): Promise<string[]>; scans(): number } {
  const needle = Buffer.from(secret);
  const hits = new Set<string>();
  let scans = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const argv = fs.readFileSync(`/proc/${entry}/cmdline`);
          if (argv.includes(needle)) hits.add(`${entry}: ${argv.toString('utf8').replace(/\0/g, ' ').slice(0, 120)}`);
        } catch {
          /* exited */
        }
      }
      scans++;
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...hits];
    },
    scans: () => scans,
  };
}

/** Every regular file under `dir` whose content contains the secret. */
export function filesContaining(dir: string, secret: string): string[] {
  const found: string[] = [];
  const needle = Buffer.from(secret);
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(needle)) found.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/**
 * `opsdeck ARGS` as a child process (node + tsx, the way a user runs it), with the passphrase
 * written to its fd 3 and closed. `onStderr` sees progress as it comes.
 */
export function runCli(args: string[], opts: { env: NodeJS.ProcessEnv; passphrase?: string; onStderr?: (text: string, child: ChildProcess) => void; stdinText?: string }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bin/opsdeck.ts'), ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr, child);
    });
    const fd3 = child.stdio[3] as NodeJS.WritableStream;
    // The CLI closes its end once read (or never reads it): a reset there is not our failure.
    fd3.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    if (opts.passphrase !== undefined) fd3.end(opts.passphrase);
    else fd3.end();
    child.stdin!.end(opts.stdinText ?? '');
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, pid: child.pid! }));
  });
}

/**
 * A locked-server stand-in named web-1 in `dir`: our own sshd on `port` (prepared, not started)
 * as the server's, the lab's Dropbear as its initramfs (key pinned), an ssh_config with its known
 * key, and a profile store naming both. For runs that reboot and unlock it.
 */
export function prepareWebServer(lab: LabInfo, dir: string, port: number): { sshd: OwnSshd; sshConfig: string; config: string } {
  const sshd = prepareSshd(lab, port);
  const sshConfig = path.join(dir, 'ssh_config');
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    sshConfig,
    ['Host web-1', '  HostName 127.0.0.1', `  Port ${port}`, `  User ${lab.sshd.user}`, `  IdentityFile ${lab.sshd.privateKeyPath}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`, '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', ''].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'known_hosts'), sshd.knownHostsLine);
  fs.copyFileSync(lab.dropbear.knownHostsPath, path.join(dir, 'initramfs_kh'));
  const unlock = { host: '127.0.0.1', port: lab.dropbear.port, user: lab.dropbear.user, identityFile: lab.dropbear.privateKeyPath, knownHostsFile: path.join(dir, 'initramfs_kh'), waitTimeoutSeconds: 60 };
  fs.writeFileSync(config, JSON.stringify({ version: 1, profiles: { 'web-1': { ssh: { host: 'web-1' }, socket: lab.docker.socketPath, unlock } } }, null, 2));
  return { sshd, sshConfig, config };
}
