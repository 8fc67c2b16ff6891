/**
 * The words for the unlock: one line per event and per result, shared by the CLI and the TUI
 * so both say the same thing. Device names and details are already sanitised by the outcome
 * parser; nothing here ever sees a passphrase.
 */
import { formatDuration } from '../render/duration.js';
import type { PassphraseQuestion, UnlockEvent, UnlockFlowResult } from './unlock-flow.js';
import type { WaitResult } from './wait-for-sshd.js';

export function triesText(n: number): string {
  return `${n} ${n === 1 ? 'try' : 'tries'} left`;
}

export function describeEvent(e: UnlockEvent): string {
  switch (e.type) {
    case 'running':
      return e.reuse ? 'checking for another locked disk (it gets the same passphrase)' : 'sending the passphrase';
    case 'unlocked':
      return `${e.device} unlocked`;
    case 'bad-passphrase':
      return e.reusedFrom
        ? `the passphrase of ${e.reusedFrom} does not open ${e.device ?? 'the next disk'} (${triesText(e.triesLeft)})`
        : `wrong passphrase${e.device ? ` for ${e.device}` : ''} (${triesText(e.triesLeft)})`;
    case 'not-ready':
      return `${e.reason === 'try-again-later' ? 'the initramfs is not ready yet ("Try again later")' : 'cryptroot-unlock timed out waiting for askpass'}; retrying in ${Math.round(e.retryInMs / 1000)}s (${e.retry} of ${e.of})`;
  }
}

/** The prompt line (never containing a secret) and a note under it. */
export function describeQuestion(label: string, q: PassphraseQuestion): { prompt: string; note: string | undefined } {
  const prompt = q.device ? `Passphrase for ${q.device} on ${label}` : `Disk passphrase for ${label}`;
  let note: string | undefined;
  if (q.reason === 'bad-passphrase') {
    note = q.reusedFrom
      ? `The passphrase of ${q.reusedFrom} does not open ${q.device ?? 'this disk'}: ${triesText(q.triesLeft ?? 0)}.`
      : `Wrong passphrase: ${triesText(q.triesLeft ?? 0)} (tries made elsewhere count too).`;
  } else if (q.reason === 'empty') note = 'Nothing typed: an empty passphrase is not sent.';
  else if (q.reason === 'reconnected') note = 'The connection to the initramfs dropped and was opened again: type the passphrase again (it is never resent over a new connection).';
  return { prompt, note };
}

export interface ResultText {
  ok: boolean;
  /** The disks are open (or none was locked): time to wait for the real system. */
  proceed: boolean;
  line: string;
  hint?: string;
}

export function describeResult(label: string, r: UnlockFlowResult): ResultText {
  const opened = (devices: string[]) => (devices.length ? ` (${devices.join(', ')} unlocked before that)` : '');
  switch (r.kind) {
    case 'unlocked':
      return {
        ok: true,
        proceed: true,
        line: `all disks unlocked (${r.devices.join(', ')})${r.connectionEnded ? '; the initramfs closed the connection and goes on booting' : ''}`,
      };
    case 'nothing-locked':
      return { ok: true, proceed: true, line: `no disk of ${label} is waiting for a passphrase` };
    case 'max-tries':
      return {
        ok: false,
        proceed: false,
        line: `${r.device}: maximum number of tries exceeded${opened(r.devices)}`,
        hint: `The initramfs no longer asks for ${r.device}'s passphrase: reboot the server (provider console: reset / Ctrl-Alt-Del) and unlock again with the right passphrase.`,
      };
    case 'refused':
      return {
        ok: false,
        proceed: false,
        line: `wrong passphrase${r.device ? ` for ${r.device}` : ''}: ${triesText(r.triesLeft)}${opened(r.devices)}`,
        hint: 'Check the passphrase given on --passphrase-fd (one trailing newline is dropped, nothing else); every wrong answer uses one of cryptsetup\'s tries.',
      };
    case 'not-ready':
      return {
        ok: false,
        proceed: false,
        line:
          r.reason === 'try-again-later'
            ? `the initramfs was still not ready after ${r.retries} retries ("Try again later")${opened(r.devices)}`
            : `cryptroot-unlock kept timing out waiting for askpass${opened(r.devices)}`,
        hint:
          r.reason === 'try-again-later'
            ? 'It may still be waiting for its disks or network; try again in a minute, and look at the provider console if it persists.'
            : 'Nothing in the initramfs is asking for a passphrase: the boot may be stuck before cryptsetup, or its tries ran out (on the console or another session). Reboot from the provider console.',
      };
    case 'cancelled':
      return { ok: false, proceed: false, line: `unlock cancelled${opened(r.devices)}` };
    case 'not-found':
      return {
        ok: false,
        proceed: false,
        line: `the unlock program is not there: ${r.detail}`,
        hint: 'Is this the initramfs (cryptsetup-initramfs installed before update-initramfs)? If the program has another name or path, set "unlock": { "command": … } in the profile.',
      };
    case 'failed':
      return { ok: false, proceed: false, line: `${r.message}${opened(r.devices)}` };
  }
}

export function describeWait(label: string, r: WaitResult): ResultText & { advice?: string[] } {
  switch (r.kind) {
    case 'back':
      return { ok: true, proceed: true, line: `${label} is back after ${formatDuration(r.elapsedMs)}: ${r.detail}` };
    case 'timeout':
      return { ok: false, proceed: false, line: `${label}'s sshd did not come back within ${formatDuration(r.elapsedMs)} (last: ${r.last})`, hint: 'Check:', advice: r.advice };
    case 'refused':
      return { ok: false, proceed: false, line: r.error.message, ...(r.error.hint ? { hint: r.error.hint } : {}) };
    case 'cancelled':
      return { ok: false, proceed: false, line: 'stopped waiting' };
  }
}
