// The lab as tests and `npm run demo` see it. Start here:
//
//   const lab = await requireLab();        // throws "lab is not up: run npm run lab -- up"
//   const docker = labDocker(lab);          // dockerode on the lab's local socket
//   lab.containers.find((c) => c.roles.includes('crash-loop'))
//   await labExec('shop-postgres-1', ['psql', '-U', 'shop', '-c', 'select 1']);
//   await resetUnlock({ devices: ['sda3_crypt', 'sdb1_crypt'], notReadyForS: 5 });
//   await whileSshdStopped(async () => { … });   // reconnect tests; sshd comes back even on failure
//
// Tests must fail, never skip, when the lab is missing: requireLab() throws.
import Docker from 'dockerode';
import { execInContainer, type ExecResult } from './docker-exec.js';
import { dockerdPid, pingDocker } from './dockerd.js';
import { dropbearPid } from './dropbear.js';
import { NOT_UP, readLabInfo, type ExpectedContainer, type LabInfo } from './lab-info.js';
import { labPaths, type LabPaths } from './paths.js';
import { UNLOCK_USER, userIds } from './preflight.js';
import { readSshBanner } from './ssh-keys.js';
import { sshdPid, startSshd as startSshdDaemon, stopSshd as stopSshdDaemon } from './sshd.js';
import { readUnlockState, resetUnlockState, type UnlockReset, type UnlockSnapshot } from './unlock-state.js';

export type { ExpectedContainer, LabInfo, ExecResult, UnlockSnapshot };
export { NOT_UP };

/** LABDIR/lab.json as `lab up` last wrote it. Does not check that anything runs: see requireLab(). */
export function labInfo(): LabInfo {
  return readLabInfo(labPaths().labJson);
}

function paths(info: LabInfo): LabPaths {
  return labPaths(info.labDir);
}

/**
 * lab.json, after checking each daemon is really up: its pid alive (and still the program the
 * lab started) and answering (Docker ping, SSH banners). Throws `lab is not up: …` otherwise.
 */
export async function requireLab(): Promise<LabInfo> {
  // Root is needed to tell our daemons from strangers (/proc/PID/exe) and to reset the unlock state.
  if (process.getuid?.() !== 0) throw new Error('the lab tests must run as root (they check the lab daemons through /proc)');
  const info = labInfo();
  const p = paths(info);
  const down: string[] = [];
  if (dockerdPid(p) === null || !(await pingDocker(info.docker.socketPath))) down.push('dockerd');
  if (sshdPid(p) === null || (await readSshBanner(info.sshd.port)) === null) down.push('sshd');
  if (dropbearPid(p) === null || (await readSshBanner(info.dropbear.port)) === null) down.push('dropbear');
  if (down.length) throw new Error(`${NOT_UP} (${down.join(', ')} not running)`);
  return info;
}

/** A dockerode client on the lab's own socket (local, no SSH). */
export function labDocker(info: LabInfo = labInfo()): Docker {
  return new Docker({ socketPath: info.docker.socketPath });
}

/** Containers lab.json promises, filtered by role ("crash-loop", "unhealthy", …). */
export function labContainers(role?: string, info: LabInfo = labInfo()): ExpectedContainer[] {
  return role ? info.containers.filter((c) => c.roles.includes(role)) : info.containers;
}

/** `docker exec` in a lab container; `input` is fed to stdin (for secrets and SQL). */
export function labExec(container: string, argv: string[], opts: { input?: string; env?: string[]; user?: string } = {}): Promise<ExecResult> {
  return execInContainer(labDocker(), container, argv, opts);
}

/**
 * "Reboot" the dropbear initramfs: every device locked again, tries cleared. Defaults: one
 * device (nvme0n1p3_crypt), ready at once, 3 tries, the lab's passphrase, 10 s askpass timeout.
 */
export async function resetUnlock(opts: Partial<UnlockReset> = {}): Promise<UnlockSnapshot> {
  const info = labInfo();
  const p = paths(info);
  resetUnlockState(p.unlockStateDir, await userIds(UNLOCK_USER), {
    ...opts,
    devices: opts.devices ?? info.dropbear.defaultDevices,
    passphrase: opts.passphrase ?? info.dropbear.passphrase,
  });
  return readUnlockState(p.unlockStateDir);
}

/** What the unlock stand-in has seen: locked/unlocked/failed devices and each answer. */
export function unlockState(): UnlockSnapshot {
  return readUnlockState(paths(labInfo()).unlockStateDir);
}

/**
 * Stop the lab's sshd. By default open sessions die too (a crash or reboot, which is what
 * reconnect logic must survive); pass { dropSessions: false } for a graceful restart.
 */
export async function stopSshd(opts: { dropSessions?: boolean } = {}): Promise<void> {
  await stopSshdDaemon(paths(labInfo()), { dropSessions: opts.dropSessions ?? true });
}

/** Start the lab's sshd again (no-op when it runs), on the port in lab.json. */
export async function startSshd(): Promise<void> {
  const info = labInfo();
  await startSshdDaemon(paths(info), info.sshd.port);
}

/**
 * Run `fn` while sshd is down, and start it again afterwards even when `fn` throws, so a
 * failing reconnect test cannot leave the shared lab without its SSH server.
 */
export async function whileSshdStopped<T>(fn: () => Promise<T>, opts: { dropSessions?: boolean } = {}): Promise<T> {
  await stopSshd(opts);
  try {
    return await fn();
  } finally {
    await startSshd();
  }
}
