/**
 * The unlock conversation, independent of SSH and of who types: run cryptroot-unlock with a
 * passphrase, read the outcome, and decide what comes next, until no device is left locked.
 *
 * - The passphrase is asked for BEFORE a call is opened. An exec channel must never be left
 *   waiting: closing its stdin without an answer is an empty passphrase, which costs a try.
 * - cryptroot-unlock unlocks one device per call. After a success the same passphrase goes to
 *   the next call: if another device is still locked it is tried there (servers almost always
 *   share one passphrase across disks); if nothing is left, the call exits at once without
 *   reading it. A refusal on the next device costs one of its tries and we ask.
 * - "Try again later" and the askpass timeout mean the initramfs is not ready: retry after a
 *   short, growing pause, a few times.
 * - A passphrase is never resent over a new connection: when `run` had to connect again it
 *   throws PassphraseWithheld and the flow asks again (or stops, when nobody can be asked).
 * - The flow owns every passphrase Buffer it is given and zeroes each one as soon as it is
 *   replaced or the flow ends, whatever the outcome.
 */
import { sanitise } from '../text/sanitise.js';
import { ConnectionLostError } from '../transport/connect-errors.js';
import { parseUnlockRun, type RawRun, type UnlockRunOutcome } from './unlock-outcome.js';

export interface PassphraseQuestion {
  /** The device the last call asked for, when one did. */
  device: string | undefined;
  /** Tries left on that device, counting the answers of this session (others may have used some). */
  triesLeft: number | undefined;
  reason: 'first' | 'bad-passphrase' | 'empty' | 'reconnected';
  /** The device whose passphrase was just tried on `device` and refused. */
  reusedFrom?: string;
}

/**
 * Thrown by `run` instead of sending when the connection it had was gone and a new one had to be
 * opened: a passphrase is only sent over the connection whose host key was checked when it was
 * typed (or first reused), so the flow asks again rather than resend it.
 */
export class PassphraseWithheld extends Error {
  constructor() {
    super('the connection to the initramfs was opened again; the passphrase was not sent over the new one');
    this.name = 'PassphraseWithheld';
  }
}

export type UnlockEvent =
  | { type: 'running'; run: number; reuse: boolean }
  | { type: 'unlocked'; device: string }
  | { type: 'bad-passphrase'; device: string | undefined; triesLeft: number; reusedFrom?: string }
  | { type: 'not-ready'; reason: 'try-again-later' | 'askpass-timeout'; retry: number; of: number; retryInMs: number };

export type UnlockFlowResult =
  | { kind: 'unlocked'; devices: string[]; connectionEnded: boolean }
  | { kind: 'nothing-locked' }
  | { kind: 'max-tries'; device: string; devices: string[] }
  /** A refused passphrase with nobody to ask again (--passphrase-fd). */
  | { kind: 'refused'; device: string | undefined; triesLeft: number; devices: string[] }
  | { kind: 'not-ready'; reason: 'try-again-later' | 'askpass-timeout'; retries: number; devices: string[] }
  | { kind: 'cancelled'; devices: string[] }
  | { kind: 'not-found'; detail: string }
  | { kind: 'failed'; message: string; devices: string[] };

export interface UnlockFlowOptions {
  /** One cryptroot-unlock call: send these bytes as stdin (no newline added), then close it. */
  run(passphrase: Buffer): Promise<RawRun>;
  /** Ask a person; null when cancelled or nobody can be asked. The Buffer becomes the flow's. */
  ask(q: PassphraseQuestion): Promise<Buffer | null>;
  /** A passphrase already in hand (--passphrase-fd); owned by the flow from now on. */
  initial?: Buffer;
  /** False when a refusal cannot be followed by another question (scripted use). */
  canAskAgain: boolean;
  /** cryptsetup's tries per device (default 3). */
  maxTries?: number;
  /** Pauses before retrying a not-ready initramfs (default 2, 3, 5, 8, 10 s). */
  notReadyDelaysMs?: readonly number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onEvent?: (e: UnlockEvent) => void;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_TRIES = 3;
export const DEFAULT_NOT_READY_DELAYS_MS: readonly number[] = [2000, 3000, 5000, 8000, 10000];
/** A server that keeps answering without progress must not keep us here forever. */
const MAX_RUNS = 100;
const MAX_EMPTY_ANSWERS = 3;

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function runUnlockFlow(o: UnlockFlowOptions): Promise<UnlockFlowResult> {
  const maxTries = o.maxTries ?? DEFAULT_MAX_TRIES;
  const delays = o.notReadyDelaysMs ?? DEFAULT_NOT_READY_DELAYS_MS;
  const sleep = o.sleep ?? abortableSleep;
  const emit = o.onEvent ?? (() => undefined);
  const devices: string[] = [];
  const tries = new Map<string, number>();
  let current: Buffer | undefined = o.initial;
  let lastDevice: string | undefined;
  /** Set while `current` is the passphrase that unlocked this device, going to the next one. */
  let reusedFrom: string | undefined;
  let notReady = 0;
  let empties = 0;
  let question: PassphraseQuestion = { device: undefined, triesLeft: undefined, reason: 'first' };

  const replace = (next: Buffer | undefined) => {
    if (current && current !== next) current.fill(0);
    current = next;
  };
  const cancelled = () => o.signal?.aborted === true;

  try {
    for (let runNo = 1; runNo <= MAX_RUNS; runNo++) {
      if (cancelled()) return { kind: 'cancelled', devices };
      if (!current) {
        const answer = await o.ask(question);
        if (!answer || cancelled()) {
          answer?.fill(0);
          return { kind: 'cancelled', devices };
        }
        if (answer.length === 0) {
          // Enter on an empty prompt is not worth one of cryptsetup's tries.
          if (++empties >= MAX_EMPTY_ANSWERS) return { kind: 'cancelled', devices };
          question = { ...question, reason: 'empty' };
          runNo--;
          continue;
        }
        replace(answer);
        reusedFrom = undefined;
      } else if (current.length === 0) {
        return { kind: 'refused', device: undefined, triesLeft: maxTries, devices };
      }

      emit({ type: 'running', run: runNo, reuse: reusedFrom !== undefined });
      let outcome: UnlockRunOutcome;
      try {
        outcome = parseUnlockRun(await o.run(current!));
      } catch (err) {
        if (err instanceof PassphraseWithheld) {
          replace(undefined);
          reusedFrom = undefined;
          if (!o.canAskAgain) {
            return { kind: 'failed', message: `${err.message}: run the unlock again (a passphrase given once is not resent after a reconnect)`, devices };
          }
          question = { device: question.device, triesLeft: question.triesLeft, reason: 'reconnected' };
          continue;
        }
        if (devices.length > 0 && err instanceof ConnectionLostError) {
          // The initramfs stops Dropbear once it goes on booting: after a success that is the good news.
          return { kind: 'unlocked', devices, connectionEnded: true };
        }
        return { kind: 'failed', message: sanitise((err as Error)?.message ?? String(err)), devices };
      }

      switch (outcome.kind) {
        case 'unlocked': {
          notReady = 0;
          if (!devices.includes(outcome.device)) devices.push(outcome.device);
          else return { kind: 'failed', message: `cryptroot-unlock reported ${outcome.device} unlocked twice; stopping`, devices };
          tries.delete(outcome.device);
          emit({ type: 'unlocked', device: outcome.device });
          lastDevice = outcome.device;
          reusedFrom = outcome.device;
          continue;
        }
        case 'nothing-locked':
          return devices.length ? { kind: 'unlocked', devices, connectionEnded: false } : { kind: 'nothing-locked' };
        case 'bad-passphrase': {
          notReady = 0;
          const device = outcome.device ?? lastDevice;
          lastDevice = device;
          const key = device ?? '';
          const used = (tries.get(key) ?? 0) + 1;
          tries.set(key, used);
          const triesLeft = Math.max(0, maxTries - used);
          const from = reusedFrom;
          emit({ type: 'bad-passphrase', device, triesLeft, ...(from ? { reusedFrom: from } : {}) });
          replace(undefined);
          reusedFrom = undefined;
          // Scripted runs have nobody to ask: stop with the count rather than guess.
          if (!o.canAskAgain) return { kind: 'refused', device, triesLeft, devices };
          question = { device, triesLeft, reason: 'bad-passphrase', ...(from ? { reusedFrom: from } : {}) };
          continue;
        }
        case 'max-tries':
          return { kind: 'max-tries', device: outcome.device, devices };
        case 'not-ready': {
          if (notReady >= delays.length) return { kind: 'not-ready', reason: outcome.reason, retries: notReady, devices };
          const wait = delays[notReady]!;
          notReady++;
          emit({ type: 'not-ready', reason: outcome.reason, retry: notReady, of: delays.length, retryInMs: wait });
          await sleep(wait, o.signal);
          continue;
        }
        case 'not-found':
          return { kind: 'not-found', detail: outcome.detail };
        case 'unexpected':
          return { kind: 'failed', message: `cryptroot-unlock ended with ${outcome.code === null ? 'no exit status' : `exit status ${outcome.code}`}: ${outcome.detail}`, devices };
      }
    }
    return { kind: 'failed', message: `gave up after ${MAX_RUNS} calls of cryptroot-unlock without finishing`, devices };
  } finally {
    replace(undefined);
  }
}
