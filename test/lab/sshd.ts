// OpenSSH's sshd as the VPS's SSH server: 127.0.0.1 only, its own config and host keys in the
// lab dir, key-only logins for the `deploy` user (in group docker), and what opsdeck relies on:
// stream-local forwarding (to reach the Docker socket) and ~/.ssh/environment (so that
// `docker -H ssh://…` on the server finds the lab's socket through DOCKER_HOST; sshd_config's
// SetEnv says the same and wins, see below). Each fleet server (db-1, staging-1) runs one more
// sshd with its own config and host keys, for the same user, with `SetEnv DOCKER_HOST=` its own
// socket (setUpServerSshd).
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPaths, SshdPaths } from './paths.js';
import { DEPLOY_USER, userIds } from './preflight.js';
import { childPids, ensurePidFile, runningPid, spawnDaemon, stopPid, waitFor, type DaemonIdentity } from './processes.js';
import { run } from './run-command.js';
import { ensureKeyPair, hostKey, portIsFree, readSshBanner, upsertAuthorizedKey, type HostKey, type PublicKey } from './ssh-keys.js';

export const SSHD = '/usr/sbin/sshd';

export function sshdIdentity(paths: SshdPaths): DaemonIdentity {
  return { exe: SSHD, marker: paths.sshdConfig };
}

export function sshdPid(paths: SshdPaths, onStale?: (message: string) => void): number | null {
  return runningPid(paths.sshdPidFile, sshdIdentity(paths), [], onStale);
}

function sshdConfig(paths: SshdPaths, port: number, setEnv: Record<string, string> = {}): string {
  // SetEnv (OpenSSH >= 8.7) overrides ~/.ssh/environment: a fleet server shares the deploy user
  // (and so its environment file, which names web-1's socket) but not its Docker socket.
  const env = Object.entries(setEnv).map(([k, v]) => `SetEnv ${k}=${v}\n`).join('');
  return `# Written by the opsdeck lab (test/lab/sshd.ts) on every \`lab up\`; edits are overwritten.
Port ${port}
ListenAddress 127.0.0.1
HostKey ${paths.sshdDir}/ssh_host_ed25519_key
HostKey ${paths.sshdDir}/ssh_host_ecdsa_key
PidFile ${paths.sshdPidFile}
AllowUsers ${DEPLOY_USER}
PermitRootLogin no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitUserEnvironment yes
AllowStreamLocalForwarding yes
AllowTcpForwarding local
X11Forwarding no
PrintMotd no
Subsystem sftp internal-sftp
LogLevel VERBOSE
${env}`;
}

/** Write a file only when its content changes; true if it did. */
function writeIfChanged(path: string, content: string, mode: number): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) {
    chmodSync(path, mode);
    return false;
  }
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return true;
}

/** ~deploy/.ssh: the lab's client key in authorized_keys, DOCKER_HOST in environment. */
async function setUpDeployUser(paths: LabPaths, clientKey: PublicKey): Promise<void> {
  const { uid, gid } = await userIds(DEPLOY_USER);
  const home = (await run(['getent', 'passwd', DEPLOY_USER])).split(':')[5] ?? `/home/${DEPLOY_USER}`;
  const dotSsh = join(home, '.ssh');
  mkdirSync(dotSsh, { recursive: true, mode: 0o700 });
  const authorized = join(dotSsh, 'authorized_keys');
  const existing = existsSync(authorized) ? readFileSync(authorized, 'utf8') : '';
  const comment = `opsdeck-lab-deploy@${paths.labDir}`;
  writeFileSync(authorized, upsertAuthorizedKey(existing, comment, `${clientKey.type} ${clientKey.base64} ${comment}`));
  writeFileSync(join(dotSsh, 'environment'), `DOCKER_HOST=unix://${paths.dockerSocket}\n`);
  for (const [path, mode] of [
    [dotSsh, 0o700],
    [authorized, 0o600],
    [join(dotSsh, 'environment'), 0o600],
  ] as const) {
    chownSync(path, uid, gid);
    chmodSync(path, mode);
  }
}

export interface SshdSetup {
  hostKeys: HostKey[];
  clientKey: PublicKey;
  configChanged: boolean;
}

export async function setUpSshd(paths: LabPaths, port: number): Promise<SshdSetup> {
  mkdirSync(paths.sshdDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.keysDir, { recursive: true, mode: 0o700 });
  const hostKeys = await ensureHostKeys(paths, 'opsdeck-lab-sshd');
  const clientKey = await ensureKeyPair(paths.deployKey, 'ed25519', 'opsdeck-lab-deploy');
  chmodSync(paths.deployKey, 0o600);
  await setUpDeployUser(paths, clientKey);
  // SetEnv here too: a second lab (OPSDECK_LAB_DIR) rewrites the shared ~deploy/.ssh/environment,
  // and must not move this lab's `docker` over SSH to its own socket.
  const configChanged = await writeSshdConfig(paths, sshdConfig(paths, port, { DOCKER_HOST: `unix://${paths.dockerSocket}` }));
  return { hostKeys, clientKey, configChanged };
}

/** An ed25519 and an ECDSA host key in sshdDir, made once and kept (they are what clients pin). */
async function ensureHostKeys(paths: SshdPaths, comment: string): Promise<HostKey[]> {
  return [
    hostKey(await ensureKeyPair(join(paths.sshdDir, 'ssh_host_ed25519_key'), 'ed25519', comment)),
    hostKey(await ensureKeyPair(join(paths.sshdDir, 'ssh_host_ecdsa_key'), 'ecdsa', comment)),
  ];
}

async function writeSshdConfig(paths: SshdPaths, config: string): Promise<boolean> {
  const changed = writeIfChanged(paths.sshdConfig, config, 0o600);
  // sshd's privilege-separation directory; /run is a tmpfs, so it may be gone after a reboot.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  await run([SSHD, '-t', '-f', paths.sshdConfig]);
  return changed;
}

/**
 * A fleet server's sshd: its own host keys and config, the same deploy user and client key as
 * web-1's (set up by setUpSshd), and DOCKER_HOST forced to its own Engine with SetEnv.
 */
export async function setUpServerSshd(
  paths: SshdPaths,
  port: number,
  opts: { name: string; dockerSocket: string },
): Promise<{ hostKeys: HostKey[]; configChanged: boolean }> {
  mkdirSync(paths.sshdDir, { recursive: true, mode: 0o700 });
  const hostKeys = await ensureHostKeys(paths, `opsdeck-lab-${opts.name}-sshd`);
  const configChanged = await writeSshdConfig(paths, sshdConfig(paths, port, { DOCKER_HOST: `unix://${opts.dockerSocket}` }));
  return { hostKeys, configChanged };
}

export async function startSshd(
  paths: SshdPaths,
  port: number,
  opts: { restart?: boolean; onStale?: (message: string) => void; portEnv?: string } = {},
): Promise<{ pid: number; started: boolean }> {
  let pid = sshdPid(paths, opts.onStale);
  if (pid !== null && opts.restart) {
    await stopPid(pid);
    pid = null;
  }
  if (pid === null) {
    if (!(await portIsFree(port))) {
      throw new Error(`port ${port} on 127.0.0.1 is taken by another program: set ${opts.portEnv ?? 'OPSDECK_LAB_SSH_PORT'} to a free port`);
    }
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    mkdirSync(paths.pidDir, { recursive: true });
    mkdirSync(paths.logDir, { recursive: true });
    // -D: stay in the foreground (we already gave it its own session); -E: log to our file.
    pid = spawnDaemon([SSHD, '-D', '-f', paths.sshdConfig, '-E', paths.sshdLog], paths.sshdLog);
    const started = pid;
    await waitFor(`sshd answering on 127.0.0.1:${port}`, async () => (await readSshBanner(port)) !== null, {
      timeoutMs: 15_000,
      logFile: paths.sshdLog,
      pid: started,
    });
    ensurePidFile(paths.sshdPidFile, started);
    return { pid: started, started: true };
  }
  return { pid, started: false };
}

/**
 * Stop the listening sshd. Open sessions live in their own processes and would survive it (as
 * they do on `systemctl restart ssh`); with dropSessions they go too, as in a reboot or crash.
 */
export async function stopSshd(paths: SshdPaths, opts: { dropSessions?: boolean } = {}): Promise<boolean> {
  const pid = sshdPid(paths);
  if (pid === null) return false;
  const sessions = opts.dropSessions ? childPids(pid) : [];
  await stopPid(pid);
  await Promise.all(sessions.map((child) => stopPid(child, 5000)));
  rmSync(paths.sshdPidFile, { force: true });
  return true;
}
