// The state behind the lab's cryptroot-unlock stand-in (see unlock/cryptroot-unlock): which
// devices are still locked, tries used, when the "initramfs" is ready, and the passphrase's
// SHA-256. resetUnlockState() is a reboot: every device locked again, tries cleared.
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DEVICES = ['nvme0n1p3_crypt'];
export const DEFAULT_MAX_TRIES = 3;
export const DEFAULT_ASKPASS_TIMEOUT_S = 10;

export interface UnlockReset {
  /** Devices in crypttab order; all start locked. */
  devices?: string[];
  /** Seconds during which the stand-in answers "Try again later" (the initramfs is still booting). */
  notReadyForS?: number;
  passphrase: string;
  maxTries?: number;
  /** How long a call waits for an askpass that is gone (after tries ran out). The real one: 10 s. */
  askpassTimeoutS?: number;
}

export interface UnlockSnapshot {
  devices: string[];
  locked: string[];
  unlocked: string[];
  failed: string[];
  ready: boolean;
  /** Lines of attempts.log: "TIME DEVICE unlocked|bad-passphrase|max-tries". */
  attempts: string[];
}

export function passphraseDigest(passphrase: string): string {
  return createHash('sha256').update(passphrase, 'utf8').digest('hex');
}

export function resetUnlockState(stateDir: string, owner: { uid: number; gid: number }, reset: UnlockReset): void {
  const devices = reset.devices ?? DEFAULT_DEVICES;
  for (const dev of devices) {
    if (!/^[A-Za-z0-9_.-]+$/.test(dev)) throw new Error(`bad device name for the unlock stand-in: ${dev}`);
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(stateDir)) rmSync(join(stateDir, entry), { force: true });
  const readyAt = Math.floor(Date.now() / 1000) + Math.max(0, Math.ceil(reset.notReadyForS ?? 0));
  const files: Record<string, string> = {
    devices: devices.map((d) => `${d}\n`).join(''),
    unlocked: '',
    failed: '',
    tries: '',
    'max-tries': `${reset.maxTries ?? DEFAULT_MAX_TRIES}\n`,
    'ready-at': `${readyAt}\n`,
    'askpass-timeout': `${reset.askpassTimeoutS ?? DEFAULT_ASKPASS_TIMEOUT_S}\n`,
    'passphrase.sha256': `${passphraseDigest(reset.passphrase)}\n`,
    'attempts.log': '',
    lock: '',
  };
  for (const [name, content] of Object.entries(files)) {
    const path = join(stateDir, name);
    writeFileSync(path, content, { mode: 0o600 });
    chownSync(path, owner.uid, owner.gid);
  }
  chownSync(stateDir, owner.uid, owner.gid);
  chmodSync(stateDir, 0o700);
}

const lines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
    : [];

export function readUnlockState(stateDir: string): UnlockSnapshot {
  const devices = lines(join(stateDir, 'devices'));
  const unlocked = lines(join(stateDir, 'unlocked'));
  const failed = lines(join(stateDir, 'failed'));
  const readyAt = Number(readFileSync(join(stateDir, 'ready-at'), 'utf8').trim());
  return {
    devices,
    locked: devices.filter((d) => !unlocked.includes(d)),
    unlocked,
    failed,
    ready: Date.now() / 1000 >= readyAt,
    attempts: lines(join(stateDir, 'attempts.log')),
  };
}

/** True when the state exists and was made for this passphrase (so `lab up` leaves it alone). */
export function unlockStateMatches(stateDir: string, passphrase: string): boolean {
  try {
    return readFileSync(join(stateDir, 'passphrase.sha256'), 'utf8').trim() === passphraseDigest(passphrase);
  } catch {
    return false;
  }
}
