import { describe, expect, it } from 'vitest';
import type { BootState } from '../../src/unlock/boot-state.js';
import { runUnlockFlow } from '../../src/unlock/unlock-flow.js';
import type { RawRun } from '../../src/unlock/unlock-outcome.js';
import { UnlockStore, type UnlockDeps, type UnlockSnapshot } from '../../src/unlock/unlock-store.js';
import type { WaitResult } from '../../src/unlock/wait-for-sshd.js';

const waiting: BootState = {
  state: 'waiting-for-passphrase',
  message: 'web-1 is waiting for its disk passphrase (sshd on 203.0.113.7:22: connection refused; Dropbear answers on 203.0.113.7:2222)',
  sshd: { kind: 'refused' },
  initramfs: { kind: 'ssh', version: 'SSH-2.0-dropbear_2022.83', software: 'dropbear' },
};

/** One locked device whose passphrase is `pw`, keeping cryptroot-unlock's contract. */
function device(pw: string) {
  let locked = true;
  const seen: Buffer[] = [];
  const run = async (p: Buffer): Promise<RawRun> => {
    seen.push(p);
    if (!locked) return { code: 0, stdout: '', stderr: '' };
    if (p.toString() === pw) {
      locked = false;
      return { code: 0, stdout: 'Please unlock disk d_crypt\n', stderr: 'cryptsetup: d_crypt set up successfully\n' };
    }
    return { code: 1, stdout: 'Please unlock disk d_crypt\n', stderr: 'cryptsetup: cryptsetup failed, bad password or options?\n' };
  };
  return { run, seen };
}

function setup(opts: { wait?: () => Promise<WaitResult>; hostKeyQuestion?: boolean } = {}) {
  const dev = device('Zebra-9 correct');
  let backCalls = 0;
  let hostKeyAnswer: boolean | undefined;
  const deps: UnlockDeps = {
    probe: async () => waiting,
    unlock: async (o) => {
      if (opts.hostKeyQuestion) {
        hostKeyAnswer = await o.prompter.confirmUnknownHostKey({ host: '203.0.113.7', port: 2222, keyType: 'ssh-ed25519', fingerprintSHA256: 'SHA256:abc', knownHostsFile: '/kh' });
        if (!hostKeyAnswer) throw Object.assign(new Error('web-1 (initramfs): unknown host key and nobody confirmed it'), { hint: 'pin it' });
      }
      o.onConnected?.({ serverVersion: 'dropbear_2022.83', hostKey: 'ssh-ed25519 SHA256:abc' });
      return runUnlockFlow({ ...o, run: dev.run });
    },
    wait: opts.wait ?? (async () => ({ kind: 'back', elapsedMs: 42_000, detail: 'sshd answers; host key matches known_hosts line 1' })),
  };
  const store = new UnlockStore({ label: 'web-1', initramfs: '203.0.113.7:2222', waitTimeoutMs: 300_000 }, deps, { onServerBack: () => backCalls++, tickMs: 5 });
  const unsubscribe = store.subscribe(() => undefined);
  const until = async (pred: (s: UnlockSnapshot) => boolean) => {
    for (let i = 0; i < 200; i++) {
      if (pred(store.getSnapshot())) return store.getSnapshot();
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`never reached; now ${JSON.stringify(store.getSnapshot().current)}`);
  };
  return { store, dev, until, unsubscribe, backs: () => backCalls, hostKeyAnswer: () => hostKeyAnswer };
}

describe('the Unlock screen store', () => {
  it('knocks when the screen subscribes, then unlocks: wrong, right, wait, back (and opens the dashboard)', async () => {
    const t = setup();
    await t.until((s) => s.current.phase === 'detected');
    expect(t.store.getSnapshot().current).toMatchObject({ phase: 'detected', state: 'waiting-for-passphrase' });
    t.store.actions.start();
    await t.until((s) => s.current.phase === 'secret');
    expect(t.store.getSnapshot().current).toMatchObject({ phase: 'secret', kind: 'disk', prompt: 'Disk passphrase for web-1' });
    const wrong = Buffer.from('Okapi-3 typo');
    t.store.actions.submitSecret(wrong);
    const again = await t.until((s) => s.current.phase === 'secret' && s.current.note !== undefined);
    expect(again.current).toMatchObject({ prompt: 'Passphrase for d_crypt on web-1', note: 'Wrong passphrase: 2 tries left (tries made elsewhere count too).' });
    const right = Buffer.from('Zebra-9 correct');
    t.store.actions.submitSecret(right);
    const done = await t.until((s) => s.current.phase === 'back');
    expect(done.devices).toEqual(['d_crypt']);
    expect(done.log).toContain('d_crypt unlocked');
    expect(done.current).toMatchObject({ line: 'web-1 is back after 42s: sshd answers; host key matches known_hosts line 1' });
    expect(t.backs()).toBe(1);
    // Every passphrase buffer is zeroed once used, and none reached the log.
    expect([wrong, right].every((b) => b.every((x) => x === 0))).toBe(true);
    expect(done.log.join('\n')).not.toMatch(/Okapi|Zebra/);
    t.store.actions.openDashboard();
    expect(t.backs()).toBe(2);
    t.unsubscribe();
  });

  it('an unknown initramfs key is a question on the screen; no means a failure with advice', async () => {
    const t = setup({ hostKeyQuestion: true });
    await t.until((s) => s.current.phase === 'detected');
    t.store.actions.start();
    const q = await t.until((s) => s.current.phase === 'host-key');
    expect(q.current).toMatchObject({ question: { fingerprintSHA256: 'SHA256:abc', port: 2222 } });
    t.store.actions.answerHostKey(false);
    const f = await t.until((s) => s.current.phase === 'failed');
    expect(f.current).toMatchObject({ line: 'web-1 (initramfs): unknown host key and nobody confirmed it', hint: 'pin it' });
    expect(t.hostKeyAnswer()).toBe(false);
  });

  it('yes to the key goes on to the passphrase', async () => {
    const t = setup({ hostKeyQuestion: true });
    await t.until((s) => s.current.phase === 'detected');
    t.store.actions.start();
    await t.until((s) => s.current.phase === 'host-key');
    t.store.actions.answerHostKey(true);
    await t.until((s) => s.current.phase === 'secret');
    expect(t.hostKeyAnswer()).toBe(true);
  });

  it('cancelling the passphrase ends the unlock; a secret nobody asked for is zeroed', async () => {
    const t = setup();
    await t.until((s) => s.current.phase === 'detected');
    const stray = Buffer.from('stray');
    t.store.actions.submitSecret(stray);
    expect(stray.every((x) => x === 0)).toBe(true);
    t.store.actions.start();
    await t.until((s) => s.current.phase === 'secret');
    t.store.actions.cancelSecret();
    const f = await t.until((s) => s.current.phase === 'failed');
    expect(f.current).toMatchObject({ line: 'unlock cancelled' });
    expect(t.dev.seen).toHaveLength(0);
  });

  it('sshd never coming back ends with the timeout and what to check', async () => {
    const t = setup({ wait: async () => ({ kind: 'timeout', elapsedMs: 300_000, last: 'connection refused', advice: ['look at the console', 'check IP='] }) });
    await t.until((s) => s.current.phase === 'detected');
    t.store.actions.start();
    await t.until((s) => s.current.phase === 'secret');
    t.store.actions.submitSecret(Buffer.from('Zebra-9 correct'));
    const f = await t.until((s) => s.current.phase === 'failed');
    expect(f.current).toMatchObject({ line: "web-1's sshd did not come back within 5m (last: connection refused)", advice: ['look at the console', 'check IP='] });
    expect(t.backs()).toBe(0);
  });

  it('the screen going away answers an open question with "no" so nothing hangs', async () => {
    const t = setup();
    await t.until((s) => s.current.phase === 'detected');
    t.store.actions.start();
    await t.until((s) => s.current.phase === 'secret');
    t.unsubscribe();
    await t.until((s) => s.current.phase === 'failed');
  });
});
