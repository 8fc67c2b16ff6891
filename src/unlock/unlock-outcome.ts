/**
 * What one run of `cryptroot-unlock` (no TTY, passphrase on stdin) said, read from its
 * messages and exit status. The contract is Debian's (cryptsetup-initramfs), as recorded in
 * LAB-NOTES: one device per call; `Please unlock disk NAME` on stdout before reading stdin;
 * the verdict on stderr.
 *
 * Pure: the transport hands us raw text, and this is where it enters the unlock model, so
 * device names and quoted lines are sanitised here.
 */
import { sanitise } from '../text/sanitise.js';

export type UnlockRunOutcome =
  /** `cryptsetup: NAME set up successfully`, exit 0. */
  | { kind: 'unlocked'; device: string }
  /** `cryptsetup failed, bad password or options?`, exit 1: the device is still asking. */
  | { kind: 'bad-passphrase'; device: string | undefined }
  /** `maximum number of tries exceeded for NAME`: askpass gave up; only a reboot asks again. */
  | { kind: 'max-tries'; device: string }
  /** `Try again later` (crypttab not there yet) or the askpass timeout: the initramfs is not ready. */
  | { kind: 'not-ready'; reason: 'try-again-later' | 'askpass-timeout' }
  /** Exit 0 without asking: nothing is left locked. */
  | { kind: 'nothing-locked' }
  /** The program is not there: this is not an initramfs with cryptsetup-initramfs, or `command` is wrong. */
  | { kind: 'not-found'; detail: string }
  | { kind: 'unexpected'; code: number | null; detail: string };

export interface RawRun {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

const PLEASE_UNLOCK = /Please unlock disk (\S+?):?\s*$/m;
const SET_UP = /cryptsetup: (\S+) set up successfully/;
const MAX_TRIES = /maximum number of tries exceeded for (\S+)/;
const BAD_PASSWORD = /bad password or options\?/;
const TRY_LATER = /^\s*Try again later\s*$/m;
const ASKPASS_TIMEOUT = /Timeout reached while waiting for askpass/;
const NOT_FOUND = /(?:not found|No such file or directory|can't execute|cannot execute)/i;

/** Device names are crypttab target names: keep them short and printable. */
function deviceName(raw: string): string {
  return sanitise(raw).slice(0, 64);
}

/** The last non-empty line of a stream, sanitised and shortened, for messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return sanitise(lines[lines.length - 1] ?? '').slice(0, 200);
}

export function parseUnlockRun(run: RawRun): UnlockRunOutcome {
  const asked = PLEASE_UNLOCK.exec(run.stdout);
  const askedDevice = asked ? deviceName(asked[1]!) : undefined;
  const setUp = SET_UP.exec(run.stderr);
  if (setUp && run.code === 0) return { kind: 'unlocked', device: deviceName(setUp[1]!) };
  const max = MAX_TRIES.exec(run.stderr);
  if (max) return { kind: 'max-tries', device: deviceName(max[1]!) };
  if (BAD_PASSWORD.test(run.stderr)) return { kind: 'bad-passphrase', device: askedDevice };
  if (TRY_LATER.test(run.stderr)) return { kind: 'not-ready', reason: 'try-again-later' };
  if (ASKPASS_TIMEOUT.test(run.stderr)) return { kind: 'not-ready', reason: 'askpass-timeout' };
  if (run.code === 0) {
    // Exit 0 after asking is the contract's success even if the message was lost or reworded.
    if (askedDevice) return { kind: 'unlocked', device: askedDevice };
    return { kind: 'nothing-locked' };
  }
  if (run.code === 127 || (run.code !== null && run.code !== 0 && NOT_FOUND.test(run.stderr) && !asked)) {
    return { kind: 'not-found', detail: lastLine(run.stderr) || `exit status ${run.code}` };
  }
  const detail = lastLine(run.stderr) || lastLine(run.stdout) || (run.signal ? `killed by SIG${run.signal}` : `exit status ${run.code ?? 'unknown'}`);
  return { kind: 'unexpected', code: run.code, detail };
}
