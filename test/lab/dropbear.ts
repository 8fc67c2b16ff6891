// Dropbear standing in for an initramfs waiting for its LUKS passphrase: Debian's dropbear-bin
// with the flags Debian's dropbear-initramfs uses (-s no passwords, -j -k no forwarding), its
// own ed25519 host key, and a client key whose authorized_keys entry forces the
// cryptroot-unlock stand-in, as remote-unlock guides set it up.
//
// This dropbear (2022.83) has no option for another authorized_keys file, and the lab must not
// touch /root/.ssh, so logins go to a dedicated `unlock` user (password field `*`).
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabPaths } from './paths.js';
import { UNLOCK_USER, userIds } from './preflight.js';
import { childPids, ensurePidFile, processArgv, runningPid, spawnDaemon, stopPid, waitFor, type DaemonIdentity } from './processes.js';
import { run } from './run-command.js';
import { ensureKeyPair, hostKey, parsePublicKey, portIsFree, readSshBanner, upsertAuthorizedKey, type HostKey, type PublicKey } from './ssh-keys.js';

export const DROPBEAR = '/usr/sbin/dropbear';
const UNLOCK_SCRIPT_SRC = join(dirname(fileURLToPath(import.meta.url)), 'unlock', 'cryptroot-unlock');

export function dropbearIdentity(paths: LabPaths): DaemonIdentity {
  return { exe: DROPBEAR, marker: paths.dropbearPidFile };
}

export function dropbearPid(paths: LabPaths, onStale?: (message: string) => void): number | null {
  return runningPid(paths.dropbearPidFile, dropbearIdentity(paths), [], onStale);
}

async function dropbearHostKey(paths: LabPaths): Promise<HostKey> {
  mkdirSync(paths.dropbearDir, { recursive: true, mode: 0o700 });
  if (!existsSync(paths.dropbearHostKey)) {
    await run(['dropbearkey', '-t', 'ed25519', '-f', paths.dropbearHostKey]);
  }
  // `dropbearkey -y` prints "Public key portion is:", the OpenSSH line, then a fingerprint.
  const out = await run(['dropbearkey', '-y', '-f', paths.dropbearHostKey]);
  const line = out.split('\n').find((l) => l.startsWith('ssh-'));
  if (!line) throw new Error(`dropbearkey -y printed no public key for ${paths.dropbearHostKey}`);
  return hostKey(parsePublicKey(line));
}

async function setUpUnlockUser(paths: LabPaths, clientKey: PublicKey): Promise<void> {
  const { uid, gid } = await userIds(UNLOCK_USER);
  const home = (await run(['getent', 'passwd', UNLOCK_USER])).split(':')[5] ?? `/home/${UNLOCK_USER}`;
  const dotSsh = join(home, '.ssh');
  mkdirSync(dotSsh, { recursive: true, mode: 0o700 });
  const options = `command="${paths.unlockScript}",no-port-forwarding,no-agent-forwarding,no-X11-forwarding`;
  const authorized = join(dotSsh, 'authorized_keys');
  const existing = existsSync(authorized) ? readFileSync(authorized, 'utf8') : '';
  const comment = `opsdeck-lab-unlock@${paths.labDir}`;
  writeFileSync(authorized, upsertAuthorizedKey(existing, comment, `${options} ${clientKey.type} ${clientKey.base64} ${comment}`));
  for (const [path, mode] of [
    [dotSsh, 0o700],
    [authorized, 0o600],
  ] as const) {
    chownSync(path, uid, gid);
    chmodSync(path, mode);
  }
}

export interface DropbearSetup {
  hostKeys: HostKey[];
  clientKey: PublicKey;
}

export async function setUpDropbear(paths: LabPaths): Promise<DropbearSetup> {
  const hostKeys = [await dropbearHostKey(paths)];
  mkdirSync(paths.keysDir, { recursive: true, mode: 0o700 });
  const clientKey = await ensureKeyPair(paths.unlockKey, 'ed25519', 'opsdeck-lab-unlock');
  chmodSync(paths.unlockKey, 0o600);
  // The script must be reachable by the unlock user: lab dir and unlock dir are 0755, root-owned.
  mkdirSync(paths.unlockDir, { recursive: true, mode: 0o755 });
  chmodSync(paths.unlockDir, 0o755);
  copyFileSync(UNLOCK_SCRIPT_SRC, paths.unlockScript);
  chmodSync(paths.unlockScript, 0o755);
  await setUpUnlockUser(paths, clientKey);
  return { hostKeys, clientKey };
}

function dropbearArgv(paths: LabPaths, port: number): string[] {
  return [DROPBEAR, '-F', '-E', '-s', '-j', '-k', '-p', `127.0.0.1:${port}`, '-r', paths.dropbearHostKey, '-P', paths.dropbearPidFile];
}

export async function startDropbear(paths: LabPaths, port: number, onStale?: (message: string) => void): Promise<{ pid: number; started: boolean }> {
  const argv = dropbearArgv(paths, port);
  const running = dropbearPid(paths, onStale);
  if (running !== null) {
    // Started with other flags (say, an earlier port): restart it with ours.
    if (processArgv(running).join(' ') === argv.join(' ')) return { pid: running, started: false };
    await stopPid(running);
  }
  if (!(await portIsFree(port))) {
    throw new Error(`port ${port} on 127.0.0.1 is taken by another program: set OPSDECK_LAB_DROPBEAR_PORT to a free port`);
  }
  mkdirSync(paths.pidDir, { recursive: true });
  mkdirSync(paths.logDir, { recursive: true });
  const pid = spawnDaemon(argv, paths.dropbearLog);
  await waitFor(`dropbear answering on 127.0.0.1:${port}`, async () => (await readSshBanner(port)) !== null, {
    timeoutMs: 15_000,
    logFile: paths.dropbearLog,
    pid,
  });
  ensurePidFile(paths.dropbearPidFile, pid);
  return { pid, started: true };
}

/** Stop dropbear and, as a reboot would, the sessions it forked. */
export async function stopDropbear(paths: LabPaths): Promise<boolean> {
  const pid = dropbearPid(paths);
  if (pid === null) return false;
  const sessions = childPids(pid);
  await stopPid(pid);
  await Promise.all(sessions.map((child) => stopPid(child, 5000)));
  rmSync(paths.dropbearPidFile, { force: true });
  return true;
}
