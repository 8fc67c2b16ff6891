/**
 * "web-1 is waiting for its disk passphrase": telling a server stuck in its initramfs from one
 * that is simply down, by knocking on both doors. sshd refused or timed out while the initramfs
 * endpoint answers with an SSH banner (Dropbear's, or any when the profile says an initramfs is
 * there) means the disk is locked. Both knocks run at once; nothing logs in.
 */
import type { SshTarget } from '../transport/target.js';
import { describeProbe, probeSshBanner, type BannerProbe } from './ssh-banner.js';
import type { UnlockEndpoint } from './unlock-settings.js';

export type BootState =
  | { state: 'up'; message: string; sshd: BannerProbe; initramfs: BannerProbe }
  | { state: 'waiting-for-passphrase'; message: string; sshd: BannerProbe; initramfs: BannerProbe }
  | { state: 'unreachable'; message: string; hint: string; sshd: BannerProbe; initramfs: BannerProbe }
  /** Reached through ProxyJump / ProxyCommand: no direct knock possible from here. */
  | { state: 'unknown'; message: string };

export interface BootStateInput {
  label: string;
  /** host:port as a person reads it, for both endpoints. */
  sshdWhere: string;
  initramfsWhere: string;
  sshd: BannerProbe;
  initramfs: BannerProbe;
  /** The profile has an unlock section. */
  configured: boolean;
  /** Dropbear is configured on the very port sshd uses (some setups reuse 22). */
  samePort: boolean;
  timeoutMs?: number;
}

/** Pure: decide from the two knocks. */
export function classifyBootState(i: BootStateInput): Exclude<BootState, { state: 'unknown' }> {
  const { label, sshd, initramfs } = i;
  const t = i.timeoutMs;
  const sshdSays = `sshd on ${i.sshdWhere}: ${describeProbe(sshd, t)}`;
  const initSays = `initramfs on ${i.initramfsWhere}: ${describeProbe(initramfs, t)}`;
  const dropbearOnSshdPort = i.samePort && sshd.kind === 'ssh' && sshd.software === 'dropbear';
  if (sshd.kind === 'ssh' && !dropbearOnSshdPort) {
    return { state: 'up', message: `${label} is up (${sshdSays})`, sshd, initramfs };
  }
  const initramfsIsDropbear = initramfs.kind === 'ssh' && (initramfs.software === 'dropbear' || i.configured);
  if (dropbearOnSshdPort || initramfsIsDropbear) {
    const why = dropbearOnSshdPort ? `Dropbear answers on ${i.sshdWhere}` : `${sshdSays}; Dropbear ${describeProbe(initramfs, t)} on ${i.initramfsWhere}`;
    return { state: 'waiting-for-passphrase', message: `${label} is waiting for its disk passphrase (${why})`, sshd, initramfs };
  }
  if (initramfs.kind === 'ssh') {
    return {
      state: 'unreachable',
      message: `${label} does not answer (${sshdSays}); ${i.initramfsWhere} answers with ${initramfs.version}, which does not look like an initramfs`,
      hint: 'If that is the initramfs, add an "unlock" section to the profile so opsdeck treats it as one.',
      sshd,
      initramfs,
    };
  }
  return {
    state: 'unreachable',
    message: `${label} does not answer (${sshdSays}; ${initSays})`,
    hint: "Check the provider's console: the server may be off, still booting, stopped in an emergency shell, or without network in the initramfs.",
    sshd,
    initramfs,
  };
}

export async function probeBootState(main: SshTarget, unlock: UnlockEndpoint, timeoutMs = 4000): Promise<BootState> {
  const u = unlock.target;
  if (main.via.kind !== 'direct' || u.via.kind !== 'direct') {
    return { state: 'unknown', message: `${main.label} is reached through a proxy: opsdeck cannot knock on its ports directly` };
  }
  const [sshd, initramfs] = await Promise.all([probeSshBanner(main.host, main.port, timeoutMs), probeSshBanner(u.host, u.port, timeoutMs)]);
  return classifyBootState({
    label: main.label,
    sshdWhere: where(main),
    initramfsWhere: where(u),
    sshd,
    initramfs,
    configured: unlock.configured,
    samePort: main.host === u.host && main.port === u.port,
    timeoutMs,
  });
}

/** host:port, with brackets around IPv6 addresses. */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function where(e: SshTarget): string {
  return hostPort(e.host, e.port);
}
