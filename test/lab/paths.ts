// Where the lab keeps everything, in one place so `up`, `down`, `status` and the test API agree.
//
// Two roots on purpose:
// - the lab dir (default /var/tmp/opsdeck-lab) survives reboots: images, keys, pid files, logs.
//   Pid files live here, not under /run, so that after a reboot we find them and see they are stale.
// - the run dir (under /run, a tmpfs) holds the Docker socket and exec-root: unix socket paths
//   are limited to 108 bytes, and a reboot should wipe them, as it would on a real server.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

export const DEFAULT_LAB_DIR = '/var/tmp/opsdeck-lab';
export const DEFAULT_SSH_PORT = 22022;
export const DEFAULT_DROPBEAR_PORT = 22222;

/** What one Docker Engine of the lab needs: the main server's, and each fleet server's. */
export interface EnginePaths {
  runDir: string;
  pidDir: string;
  logDir: string;
  dockerSocket: string;
  dockerDataRoot: string;
  dockerExecRoot: string;
  dockerdPidFile: string;
  dockerdLog: string;
}

/** What one OpenSSH sshd of the lab needs (its host keys live in sshdDir). */
export interface SshdPaths {
  pidDir: string;
  logDir: string;
  sshdDir: string;
  sshdConfig: string;
  sshdPidFile: string;
  sshdLog: string;
}

export interface LabPaths extends EnginePaths, SshdPaths {
  labDir: string;
  runDir: string;
  labJson: string;
  lockFile: string;
  pidDir: string;
  logDir: string;
  dockerSocket: string;
  dockerDataRoot: string;
  dockerExecRoot: string;
  dockerdPidFile: string;
  dockerdLog: string;
  buildDir: string;
  keysDir: string;
  deployKey: string;
  unlockKey: string;
  sshdDir: string;
  sshdConfig: string;
  sshdPidFile: string;
  sshdLog: string;
  sshConfig: string;
  /** Holds an `ssh` that reads sshConfig: put first in PATH for `docker -H ssh://opsdeck-lab`. */
  sshWrapperDir: string;
  knownHosts: string;
  dropbearDir: string;
  dropbearHostKey: string;
  dropbearPidFile: string;
  dropbearLog: string;
  dropbearKnownHosts: string;
  unlockDir: string;
  unlockScript: string;
  unlockStateDir: string;
  postgresInitDir: string;
}

/** A fleet server's own Engine, sshd and known_hosts: everything it does not share with web-1. */
export interface ServerPaths extends EnginePaths, SshdPaths {
  /** LABDIR/servers/NAME: its data root and sshd dir live under it. */
  serverDir: string;
  /** Where its host keys are pinned for the client (the lab ssh_config names it). */
  knownHosts: string;
  /** Its own build contexts, so two Engines never build in one dir at once. */
  buildDir: string;
}

/**
 * A fleet server (db-1, staging-1) of the lab: data root and sshd under LABDIR/servers/NAME,
 * socket and exec-root under RUNDIR/NAME, pid files and logs beside the main ones (NAME in the
 * file name), its own known_hosts beside the main one.
 */
export function serverPaths(paths: LabPaths, name: string): ServerPaths {
  const serverDir = join(paths.labDir, 'servers', name);
  const runDir = join(paths.runDir, name);
  const sshdDir = join(serverDir, 'sshd');
  return {
    serverDir,
    runDir,
    pidDir: paths.pidDir,
    logDir: paths.logDir,
    dockerSocket: join(runDir, 'docker.sock'),
    dockerDataRoot: join(serverDir, 'docker'),
    dockerExecRoot: join(runDir, 'exec'),
    dockerdPidFile: join(paths.pidDir, `dockerd-${name}.pid`),
    dockerdLog: join(paths.logDir, `dockerd-${name}.log`),
    sshdDir,
    sshdConfig: join(sshdDir, 'sshd_config'),
    sshdPidFile: join(paths.pidDir, `sshd-${name}.pid`),
    sshdLog: join(paths.logDir, `sshd-${name}.log`),
    knownHosts: join(paths.labDir, `known_hosts.${name}`),
    buildDir: join(paths.buildDir, name),
  };
}

export interface LabPorts {
  sshd: number;
  dropbear: number;
}

export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.OPSDECK_LAB_DIR?.trim();
  return resolve(fromEnv ? fromEnv : DEFAULT_LAB_DIR);
}

/** A second lab (OPSDECK_LAB_DIR set elsewhere) gets its own run dir, so two never share a socket. */
function runDirFor(dir: string): string {
  if (dir === DEFAULT_LAB_DIR) return '/run/opsdeck-lab';
  return `/run/opsdeck-lab-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}`;
}

export function labPaths(dir: string = labDir()): LabPaths {
  const runDir = runDirFor(dir);
  const pidDir = join(dir, 'run');
  const logDir = join(dir, 'logs');
  const keysDir = join(dir, 'keys');
  const sshdDir = join(dir, 'sshd');
  const dropbearDir = join(dir, 'dropbear');
  const unlockDir = join(dir, 'unlock');
  return {
    labDir: dir,
    runDir,
    labJson: join(dir, 'lab.json'),
    lockFile: join(dir, 'lab.lock'),
    pidDir,
    logDir,
    dockerSocket: join(runDir, 'docker.sock'),
    dockerDataRoot: join(dir, 'docker'),
    dockerExecRoot: join(runDir, 'exec'),
    dockerdPidFile: join(pidDir, 'dockerd.pid'),
    dockerdLog: join(logDir, 'dockerd.log'),
    buildDir: join(dir, 'build'),
    keysDir,
    deployKey: join(keysDir, 'deploy_ed25519'),
    unlockKey: join(keysDir, 'unlock_ed25519'),
    sshdDir,
    sshdConfig: join(sshdDir, 'sshd_config'),
    sshdPidFile: join(pidDir, 'sshd.pid'),
    sshdLog: join(logDir, 'sshd.log'),
    sshConfig: join(dir, 'ssh_config'),
    sshWrapperDir: join(dir, 'bin'),
    knownHosts: join(dir, 'known_hosts'),
    dropbearDir,
    dropbearHostKey: join(dropbearDir, 'dropbear_ed25519_host_key'),
    dropbearPidFile: join(pidDir, 'dropbear.pid'),
    dropbearLog: join(logDir, 'dropbear.log'),
    dropbearKnownHosts: join(dir, 'dropbear_known_hosts'),
    unlockDir,
    unlockScript: join(unlockDir, 'cryptroot-unlock'),
    unlockStateDir: join(unlockDir, 'state'),
    postgresInitDir: join(dir, 'postgres-initdb.d'),
  };
}

export function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return port;
}

/** Ports can be moved with OPSDECK_LAB_SSH_PORT / OPSDECK_LAB_DROPBEAR_PORT when the defaults are taken. */
export function labPorts(env: NodeJS.ProcessEnv = process.env): LabPorts {
  return {
    sshd: portFromEnv('OPSDECK_LAB_SSH_PORT', DEFAULT_SSH_PORT, env),
    dropbear: portFromEnv('OPSDECK_LAB_DROPBEAR_PORT', DEFAULT_DROPBEAR_PORT, env),
  };
}
