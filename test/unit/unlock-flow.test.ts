import { describe, expect, it } from 'vitest';
import { ConnectionLostError } from '../../src/transport/connect-errors.js';
import { PassphraseWithheld, runUnlockFlow, type PassphraseQuestion, type UnlockEvent, type UnlockFlowOptions } from '../../src/unlock/unlock-flow.js';
import type { RawRun } from '../../src/unlock/unlock-outcome.js';

/**
 * An initramfs keeping cryptroot-unlock's no-TTY contract, in memory: one device per call,
 * stdin read to EOF as the passphrase (a newline would be part of it), tries per device.
 */
function fakeInitramfs(opts: { devices: Record<string, string>; maxTries?: number; notReadyCalls?: number; askpassTimeouts?: number }) {
  const order = Object.keys(opts.devices);
  const unlocked = new Set<string>();
  const failed = new Set<string>();
  const tries = new Map<string, number>();
  let notReady = opts.notReadyCalls ?? 0;
  let askpass = opts.askpassTimeouts ?? 0;
  const received: string[] = [];
  const buffers: Buffer[] = [];
  const run = async (pass: Buffer): Promise<RawRun> => {
    buffers.push(pass);
    received.push(pass.toString('utf8'));
    if (notReady > 0) {
      notReady--;
      return { code: 1, stdout: '', stderr: 'Try again later\n' };
    }
    const dev = order.find((d) => !unlocked.has(d));
    if (!dev) return { code: 0, stdout: '', stderr: '' };
    if (askpass > 0 || failed.has(dev)) {
      askpass = Math.max(0, askpass - 1);
      return { code: 1, stdout: '', stderr: 'Error: Timeout reached while waiting for askpass.\n' };
    }
    const asked = `Please unlock disk ${dev}\n`;
    if (pass.toString('utf8') === opts.devices[dev]) {
      unlocked.add(dev);
      return { code: 0, stdout: asked, stderr: `cryptsetup: ${dev} set up successfully\n` };
    }
    const t = (tries.get(dev) ?? 0) + 1;
    tries.set(dev, t);
    if (t >= (opts.maxTries ?? 3)) {
      failed.add(dev);
      return { code: 1, stdout: asked, stderr: `cryptsetup: maximum number of tries exceeded for ${dev}\n` };
    }
    return { code: 1, stdout: asked, stderr: 'cryptsetup: cryptsetup failed, bad password or options?\n' };
  };
  return { run, received, buffers, unlocked };
}

function answers(...list: (string | null)[]) {
  const questions: PassphraseQuestion[] = [];
  const given: Buffer[] = [];
  const ask = async (q: PassphraseQuestion) => {
    questions.push(q);
    const a = list.shift();
    if (a === undefined || a === null) return null;
    const b = Buffer.from(a);
    given.push(b);
    return b;
  };
  return { ask, questions, given };
}

function flow(o: Partial<UnlockFlowOptions> & Pick<UnlockFlowOptions, 'run' | 'ask'>) {
  const events: UnlockEvent[] = [];
  const sleeps: number[] = [];
  const p = runUnlockFlow({
    canAskAgain: true,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onEvent: (e) => events.push(e),
    ...o,
  });
  return { p, events, sleeps };
}

const zeroed = (b: Buffer) => b.every((x) => x === 0);

describe('the unlock flow', () => {
  it('unlocks with the right passphrase, sent exactly (no newline), and zeroes it', async () => {
    const initramfs = fakeInitramfs({ devices: { nvme0n1p3_crypt: 'correct horse' } });
    const a = answers('correct horse');
    const { p } = flow({ run: initramfs.run, ask: a.ask });
    expect(await p).toEqual({ kind: 'unlocked', devices: ['nvme0n1p3_crypt'], connectionEnded: false });
    expect(initramfs.received[0]).toBe('correct horse');
    expect(a.questions).toEqual([{ device: undefined, triesLeft: undefined, reason: 'first' }]);
    expect(a.given.every(zeroed)).toBe(true);
    expect(initramfs.buffers.every(zeroed)).toBe(true);
  });

  it('wrong then right: asks again naming the device and the tries left', async () => {
    const initramfs = fakeInitramfs({ devices: { sda3_crypt: 'right' } });
    const a = answers('wrong', 'right');
    const { p, events } = flow({ run: initramfs.run, ask: a.ask });
    expect(await p).toMatchObject({ kind: 'unlocked', devices: ['sda3_crypt'] });
    expect(a.questions[1]).toEqual({ device: 'sda3_crypt', triesLeft: 2, reason: 'bad-passphrase' });
    expect(events).toContainEqual({ type: 'bad-passphrase', device: 'sda3_crypt', triesLeft: 2 });
    expect(a.given.every(zeroed)).toBe(true);
  });

  it('stops at "maximum number of tries exceeded" without asking a fourth time', async () => {
    const initramfs = fakeInitramfs({ devices: { sda3_crypt: 'right' } });
    const a = answers('w1', 'w2', 'w3', 'right');
    const { p } = flow({ run: initramfs.run, ask: a.ask });
    expect(await p).toEqual({ kind: 'max-tries', device: 'sda3_crypt', devices: [] });
    expect(a.questions.map((q) => q.triesLeft)).toEqual([undefined, 2, 1]);
    expect(a.given.every(zeroed)).toBe(true);
  });

  it('"Try again later": retries after short, growing pauses with the passphrase it has, then succeeds', async () => {
    const initramfs = fakeInitramfs({ devices: { d_crypt: 'pw' }, notReadyCalls: 2 });
    const a = answers('pw');
    const { p, sleeps, events } = flow({ run: initramfs.run, ask: a.ask, notReadyDelaysMs: [10, 20, 30] });
    expect(await p).toMatchObject({ kind: 'unlocked', devices: ['d_crypt'] });
    expect(sleeps).toEqual([10, 20]);
    expect(a.questions).toHaveLength(1);
    expect(events.filter((e) => e.type === 'not-ready').map((e) => (e as { retry: number }).retry)).toEqual([1, 2]);
  });

  it('gives up after the last retry when the initramfs never gets ready', async () => {
    const initramfs = fakeInitramfs({ devices: { d_crypt: 'pw' }, notReadyCalls: 99 });
    const a = answers('pw');
    const { p, sleeps } = flow({ run: initramfs.run, ask: a.ask, notReadyDelaysMs: [1, 2, 3] });
    expect(await p).toEqual({ kind: 'not-ready', reason: 'try-again-later', retries: 3, devices: [] });
    expect(sleeps).toEqual([1, 2, 3]);
    expect(a.given.every(zeroed)).toBe(true);
  });

  it('the askpass timeout is retried like "Try again later"', async () => {
    const initramfs = fakeInitramfs({ devices: { d_crypt: 'pw' }, askpassTimeouts: 1 });
    const a = answers('pw');
    const { p, events } = flow({ run: initramfs.run, ask: a.ask, notReadyDelaysMs: [5] });
    expect(await p).toMatchObject({ kind: 'unlocked' });
    expect(events).toContainEqual({ type: 'not-ready', reason: 'askpass-timeout', retry: 1, of: 1, retryInMs: 5 });
  });

  it('several devices: the passphrase goes on to the next one, repeating until none is locked', async () => {
    const initramfs = fakeInitramfs({ devices: { a_crypt: 'same', b_crypt: 'same', c_crypt: 'same' } });
    const a = answers('same');
    const { p } = flow({ run: initramfs.run, ask: a.ask });
    expect(await p).toEqual({ kind: 'unlocked', devices: ['a_crypt', 'b_crypt', 'c_crypt'], connectionEnded: false });
    expect(a.questions).toHaveLength(1);
    // Three unlocks and the call that found nothing left.
    expect(initramfs.received).toHaveLength(4);
  });

  it('a second device with its own passphrase: one refused reuse, then a question naming it', async () => {
    const initramfs = fakeInitramfs({ devices: { a_crypt: 'first', b_crypt: 'second' } });
    const a = answers('first', 'second');
    const { p, events } = flow({ run: initramfs.run, ask: a.ask });
    expect(await p).toMatchObject({ kind: 'unlocked', devices: ['a_crypt', 'b_crypt'] });
    expect(a.questions[1]).toEqual({ device: 'b_crypt', triesLeft: 2, reason: 'bad-passphrase', reusedFrom: 'a_crypt' });
    expect(events).toContainEqual({ type: 'bad-passphrase', device: 'b_crypt', triesLeft: 2, reusedFrom: 'a_crypt' });
  });

  it('nothing locked: says so without asking again', async () => {
    const initramfs = fakeInitramfs({ devices: {} });
    const a = answers('x');
    expect(await flow({ run: initramfs.run, ask: a.ask }).p).toEqual({ kind: 'nothing-locked' });
  });

  it('scripted (--passphrase-fd): a refusal ends the run with the count, and the given buffer is zeroed', async () => {
    const initramfs = fakeInitramfs({ devices: { d_crypt: 'right' } });
    const initial = Buffer.from('wrong');
    const a = answers();
    const { p } = flow({ run: initramfs.run, ask: a.ask, initial, canAskAgain: false });
    expect(await p).toEqual({ kind: 'refused', device: 'd_crypt', triesLeft: 2, devices: [] });
    expect(a.questions).toHaveLength(0);
    expect(zeroed(initial)).toBe(true);
  });

  it('a custom number of tries shows in the count', async () => {
    const initramfs = fakeInitramfs({ devices: { d_crypt: 'right' }, maxTries: 5 });
    const a = answers('w', 'right');
    await flow({ run: initramfs.run, ask: a.ask, maxTries: 5 }).p;
    expect(a.questions[1]?.triesLeft).toBe(4);
  });

  it('an empty answer is not sent; three of them end the unlock', async () => {
    const initramfs = fakeInitramfs({ devices: { d_crypt: 'pw' } });
    const a = answers('', 'pw');
    expect(await flow({ run: initramfs.run, ask: a.ask }).p).toMatchObject({ kind: 'unlocked' });
    expect(a.questions.map((q) => q.reason)).toEqual(['first', 'empty']);
    expect(initramfs.received).not.toContain('');
    const b = answers('', '', '');
    expect(await flow({ run: fakeInitramfs({ devices: { d: 'x' } }).run, ask: b.ask }).p).toEqual({ kind: 'cancelled', devices: [] });
  });

  it('cancelling the question ends the flow', async () => {
    const a = answers(null);
    expect(await flow({ run: fakeInitramfs({ devices: { d: 'x' } }).run, ask: a.ask }).p).toEqual({ kind: 'cancelled', devices: [] });
  });

  it('the connection closing after a success means the initramfs went on booting', async () => {
    let calls = 0;
    const run = async (): Promise<RawRun> => {
      if (calls++ === 0) return { code: 0, stdout: 'Please unlock disk d_crypt\n', stderr: 'cryptsetup: d_crypt set up successfully\n' };
      throw new ConnectionLostError('web-1 (initramfs)', 'the connection dropped while a command was running');
    };
    expect(await flow({ run, ask: answers('pw').ask }).p).toEqual({ kind: 'unlocked', devices: ['d_crypt'], connectionEnded: true });
  });

  it('a connection lost before anything unlocked is a failure, and the passphrase is still zeroed', async () => {
    const given = answers('pw');
    const run = async (): Promise<RawRun> => {
      throw new ConnectionLostError('web-1 (initramfs)');
    };
    const r = await flow({ run, ask: given.ask }).p;
    expect(r).toMatchObject({ kind: 'failed', devices: [] });
    expect((r as { message: string }).message).not.toContain('pw');
    expect(given.given.every(zeroed)).toBe(true);
  });

  it('a passphrase typed before a reconnect is not sent over the new connection: it is asked for again', async () => {
    const initramfs = fakeInitramfs({ devices: { sda3_crypt: 'pw' } });
    let calls = 0;
    // What DropbearConnection.run does when it had to log in again: nothing sent.
    const run = async (pass: Buffer) => (++calls === 1 ? Promise.reject(new PassphraseWithheld()) : initramfs.run(pass));
    const a = answers('pw', 'pw');
    const { p } = flow({ run, ask: a.ask });
    expect(await p).toEqual({ kind: 'unlocked', devices: ['sda3_crypt'], connectionEnded: false });
    expect(a.questions.map((q) => q.reason)).toEqual(['first', 'reconnected']);
    // Only the second answer left (the check for another locked disk reuses it).
    expect(initramfs.buffers.length).toBeGreaterThan(0);
    expect(initramfs.buffers.every((b) => b === a.given[1])).toBe(true);
    expect(a.given.every(zeroed)).toBe(true);
  });

  it('a passphrase going on to the next disk is asked for again after a reconnect, not reused', async () => {
    const initramfs = fakeInitramfs({ devices: { a_crypt: 'pw', b_crypt: 'pw' } });
    let calls = 0;
    const run = async (pass: Buffer) => (++calls === 2 ? Promise.reject(new PassphraseWithheld()) : initramfs.run(pass));
    const a = answers('pw', 'pw');
    const { p } = flow({ run, ask: a.ask });
    expect(await p).toMatchObject({ kind: 'unlocked', devices: ['a_crypt', 'b_crypt'] });
    expect(a.questions.map((q) => q.reason)).toEqual(['first', 'reconnected']);
    expect(initramfs.buffers.slice(1).every((b) => b === a.given[1])).toBe(true);
  });

  it('scripted (--passphrase-fd): after a reconnect the given passphrase is not resent; the run stops and zeroes it', async () => {
    const initial = Buffer.from('pw');
    const a = answers();
    const { p } = flow({ run: async () => Promise.reject(new PassphraseWithheld()), ask: a.ask, initial, canAskAgain: false });
    expect(await p).toMatchObject({ kind: 'failed', message: expect.stringContaining('not resent after a reconnect') });
    expect(a.questions).toEqual([]);
    expect(zeroed(initial)).toBe(true);
  });

  it('a missing program and unexpected answers end the flow with what the server said', async () => {
    const notFound = async (): Promise<RawRun> => ({ code: 127, stdout: '', stderr: 'sh: cryptroot-unlock: not found\n' });
    expect(await flow({ run: notFound, ask: answers('pw').ask }).p).toEqual({ kind: 'not-found', detail: 'sh: cryptroot-unlock: not found' });
    const odd = async (): Promise<RawRun> => ({ code: 3, stdout: '', stderr: 'segfault\n' });
    expect(await flow({ run: odd, ask: answers('pw').ask }).p).toEqual({ kind: 'failed', message: 'cryptroot-unlock ended with exit status 3: segfault', devices: [] });
  });

  it('a server that reports the same device unlocked twice is not believed forever', async () => {
    const run = async (): Promise<RawRun> => ({ code: 0, stdout: 'Please unlock disk d\n', stderr: 'cryptsetup: d set up successfully\n' });
    expect(await flow({ run, ask: answers('pw').ask }).p).toMatchObject({ kind: 'failed', devices: ['d'] });
  });
});
