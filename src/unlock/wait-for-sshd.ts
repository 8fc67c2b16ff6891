/**
 * After the unlock: wait for the real system. Knock on sshd every few seconds; once it answers
 * with a banner, check its host key against the normal known_hosts (the transport's policy). A
 * changed key ends the wait at once, with the transport's own refusal. On timeout the result
 * carries what to check, in the order an on-call engineer would.
 */
import { sanitise } from '../text/sanitise.js';
import { ConnectError } from '../transport/connect-errors.js';
import type { HostKeyOutcome } from '../transport/host-key-policy.js';
import type { Prompter } from '../transport/prompter.js';
import { SshSession } from '../transport/ssh-session.js';
import type { SshTarget } from '../transport/target.js';
import { hostPort } from './boot-state.js';
import { describeProbe, probeSshBanner, type BannerProbe } from './ssh-banner.js';
import { verifySshdHostKey } from './sshd-host-key.js';
import { abortableSleep } from './unlock-flow.js';

export type WaitResult =
  | { kind: 'back'; elapsedMs: number; detail: string }
  | { kind: 'timeout'; elapsedMs: number; last: string; advice: string[] }
  | { kind: 'refused'; elapsedMs: number; error: ConnectError }
  | { kind: 'cancelled'; elapsedMs: number };

export interface WaitProgress {
  elapsedMs: number;
  attempt: number;
  /** What the last knock found, for the spinner line. */
  last: string;
}

export interface WaitDeps {
  /** Knock on sshd. */
  knock(): Promise<BannerProbe>;
  /** Check the key (and, through a proxy, log in); resolves with a description, rejects with a ConnectError. */
  verify(): Promise<string>;
  /** Knock on the initramfs, for the advice when sshd never comes back. */
  knockInitramfs?(): Promise<BannerProbe>;
  now?(): number;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface WaitOptions {
  label: string;
  sshdWhere: string;
  initramfsWhere?: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  onProgress?(p: WaitProgress): void;
}

export const DEFAULT_WAIT_INTERVAL_MS = 3000;

export async function waitForSshdWith(deps: WaitDeps, o: WaitOptions): Promise<WaitResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? abortableSleep;
  const interval = o.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS;
  const t0 = now();
  let last = 'not tried yet';
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) return { kind: 'cancelled', elapsedMs: now() - t0 };
    const probe = await deps.knock();
    if (probe.kind === 'ssh') {
      try {
        const detail = await deps.verify();
        return { kind: 'back', elapsedMs: now() - t0, detail };
      } catch (err) {
        if (err instanceof ConnectError && (err.step === 'host-key' || err.step === 'auth') && !err.retryable) {
          return { kind: 'refused', elapsedMs: now() - t0, error: err };
        }
        // sshd answered but went away again (still starting, MaxStartups): keep knocking.
        last = `sshd answered but ${sanitise((err as Error)?.message ?? String(err))}`;
      }
    } else last = describeProbe(probe);
    const elapsedMs = now() - t0;
    o.onProgress?.({ elapsedMs, attempt, last });
    if (elapsedMs + interval > o.timeoutMs) {
      const initramfs = deps.knockInitramfs ? await deps.knockInitramfs() : undefined;
      return { kind: 'timeout', elapsedMs, last, advice: timeoutAdvice(o, initramfs) };
    }
    await sleep(interval, o.signal);
  }
}

export function timeoutAdvice(o: Pick<WaitOptions, 'label' | 'sshdWhere' | 'initramfsWhere'>, initramfs: BannerProbe | undefined): string[] {
  const advice: string[] = [];
  if (initramfs?.kind === 'ssh') {
    advice.push(`Dropbear still answers on ${o.initramfsWhere}: a disk may still be locked, or the boot did not get past the initramfs. Run the unlock again.`);
  }
  advice.push(
    `The provider's console (VNC/KVM/serial): is the boot stuck on a file system check, an emergency shell, or another disk asking for its passphrase?`,
    `The network: the real system configures it again (netplan / /etc/network/interfaces); an address that differs from the initramfs's IP= setting makes ${o.sshdWhere} unreachable.`,
    `sshd itself: from the console, systemctl status ssh; a firewall that only opens port 22 after boot.`,
  );
  return advice;
}

/** The real dependencies for a server: banner knocks, then the transport's host key policy. */
export function waitForSshd(
  main: SshTarget,
  prompter: Prompter,
  o: Omit<WaitOptions, 'label' | 'sshdWhere'> & { initramfs?: { host: string; port: number } },
): Promise<WaitResult> {
  const direct = main.via.kind === 'direct';
  const knockTimeout = Math.min(4000, Math.max(1000, o.intervalMs ?? DEFAULT_WAIT_INTERVAL_MS));
  const deps: WaitDeps = {
    // Through a proxy there is nothing to knock on from here: go straight to a login.
    knock: direct ? () => probeSshBanner(main.host, main.port, knockTimeout) : async () => ({ kind: 'ssh', version: 'through a proxy', software: 'other' }),
    verify: direct ? async () => describeOutcome(await verifySshdHostKey(main, prompter)) : () => loginThroughProxy(main, prompter),
    ...(o.initramfs ? { knockInitramfs: () => probeSshBanner(o.initramfs!.host, o.initramfs!.port, knockTimeout) } : {}),
  };
  return waitForSshdWith(deps, {
    ...o,
    label: main.label,
    sshdWhere: hostPort(main.host, main.port),
    ...(o.initramfs ? { initramfsWhere: hostPort(o.initramfs.host, o.initramfs.port) } : {}),
  });
}

function describeOutcome(o: HostKeyOutcome): string {
  if (o.status === 'known') return `sshd answers; host key ${o.keyType} ${o.fingerprint} matches ${o.file} line ${o.line}`;
  if (o.status === 'accepted-new') return `sshd answers; new host key ${o.keyType} ${o.fingerprint} accepted${o.file ? ` into ${o.file}` : ''}`;
  return `sshd answers; host key ${o.keyType} ${o.fingerprint}`;
}

async function loginThroughProxy(main: SshTarget, prompter: Prompter): Promise<string> {
  const session = new SshSession(main, prompter, { reconnect: false });
  try {
    await session.open();
    const hop = session.hops[session.hops.length - 1];
    return hop ? `sshd answers through the proxy; host key ${hop.hostKey.keyType} ${hop.hostKey.fingerprint}` : 'sshd answers through the proxy';
  } finally {
    await session.close();
  }
}
