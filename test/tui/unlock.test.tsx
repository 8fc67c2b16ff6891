import React from 'react';
import { describe, expect, it } from 'vitest';
import { Unlock } from '../../screens/Unlock.js';
import { runUnlockFlow } from '../../src/unlock/unlock-flow.js';
import type { RawRun } from '../../src/unlock/unlock-outcome.js';
import { UnlockStore, type UnlockActions, type UnlockPhase, type UnlockSnapshot } from '../../src/unlock/unlock-store.js';
import { KEY, mount, valueStore } from './harness.js';

function snapshot(current: UnlockPhase, extra: Partial<UnlockSnapshot> = {}): UnlockSnapshot {
  return { label: 'web-1', initramfs: '203.0.113.7:2222', current, log: [], devices: [], ...extra };
}

function recorder() {
  const calls: string[] = [];
  const secrets: Buffer[] = [];
  const actions: UnlockActions = {
    probe: () => calls.push('probe'),
    start: () => calls.push('start'),
    submitSecret: (b) => {
      calls.push('submit');
      secrets.push(Buffer.from(b));
      b.fill(0);
    },
    cancelSecret: () => calls.push('cancelSecret'),
    answerHostKey: (t) => calls.push(`hostKey:${t}`),
    cancel: () => calls.push('cancel'),
    openDashboard: () => calls.push('openDashboard'),
  };
  return { actions, calls, secrets };
}

function screen(current: UnlockPhase, extra: Partial<UnlockSnapshot> = {}) {
  const store = valueStore(snapshot(current, extra));
  const r = recorder();
  let backs = 0;
  const app = mount(<Unlock unlock={store} actions={r.actions} width={100} height={30} color={false} onBack={() => backs++} onHelp={() => r.calls.push('help')} />);
  return { app, store, ...r, backs: () => backs };
}

describe('Unlock screen', () => {
  it('says plainly that the server waits for its passphrase, and enter starts the unlock', async () => {
    const s = screen({ phase: 'detected', state: 'waiting-for-passphrase', message: 'web-1 is waiting for its disk passphrase (sshd on 203.0.113.7:22: connection refused)' });
    await s.app.ready();
    expect(s.app.frame()).toContain('Unlock web-1 · initramfs 203.0.113.7:2222');
    expect(s.app.frame()).toContain('web-1 is waiting for its disk passphrase');
    expect(s.app.frame()).toContain('Press enter to unlock.');
    await s.app.press(KEY.enter);
    expect(s.calls).toEqual(['start']);
  });

  it('the passphrase prompt shows bullets only and hands over exactly the typed bytes', async () => {
    const s = screen({ phase: 'secret', kind: 'disk', prompt: 'Disk passphrase for web-1' });
    await s.app.ready();
    await s.app.press('Zebra', '-9 ', 'ß!x', '\u007f');
    const f = s.app.frame();
    expect(f).toContain('Disk passphrase for web-1: ••••••••••');
    expect(f).not.toMatch(/Zebra|ß/);
    await s.app.press(KEY.enter);
    expect(s.calls).toEqual(['submit']);
    expect(s.secrets[0]!.toString('utf8')).toBe('Zebra-9 ß!');
    for (const frame of s.app.frames) expect(frame).not.toMatch(/Zebra|ß!/);
  });

  it('shows the tries left under the prompt; esc cancels the question, not the screen', async () => {
    const s = screen({ phase: 'secret', kind: 'disk', prompt: 'Passphrase for sda3_crypt on web-1', note: 'Wrong passphrase: 2 tries left (tries made elsewhere count too).' });
    await s.app.ready();
    expect(s.app.frame()).toContain('Wrong passphrase: 2 tries left');
    await s.app.press(KEY.esc);
    expect(s.calls).toEqual(['cancelSecret']);
    expect(s.backs()).toBe(0);
  });

  it("asks about an unknown Dropbear key, saying it is the initramfs's", async () => {
    const s = screen({ phase: 'host-key', question: { host: '203.0.113.7', port: 2222, keyType: 'ssh-ed25519', fingerprintSHA256: 'SHA256:Y5G+LZvxgxAQs9CiiYV7i4lbI2+e2mDxIeW+QE3OT8M', knownHostsFile: '/home/me/.config/opsdeck/initramfs_known_hosts' } });
    await s.app.ready();
    const f = s.app.frame();
    expect(f).toContain("This is the initramfs's Dropbear key, not sshd's");
    expect(f).toContain('SHA256:Y5G+LZvxgxAQs9CiiYV7i4lbI2+e2mDxIeW+QE3OT8M');
    expect(f).toContain('[203.0.113.7]:2222');
    await s.app.press('y');
    expect(s.calls).toEqual(['hostKey:true']);
  });

  it('while waiting for sshd: a spinner with elapsed time of the timeout and the last knock', async () => {
    const s = screen({ phase: 'waiting', elapsedMs: 42_000, timeoutMs: 300_000, last: 'connection refused' }, { devices: ['nvme0n1p3_crypt'], log: ['nvme0n1p3_crypt unlocked'] });
    await s.app.ready();
    expect(s.app.frame()).toContain('waiting for sshd: 42s of 5m');
    expect(s.app.frame()).toContain('last knock: connection refused');
    expect(s.app.frame()).toContain('unlocked: nvme0n1p3_crypt');
    s.store.set(snapshot({ phase: 'waiting', elapsedMs: 65_000, timeoutMs: 300_000, last: 'connection refused' }));
    await s.app.waitFor((f) => f.includes('waiting for sshd: 1m of 5m'));
  });

  it('a timeout shows what to check; r knocks again, enter unlocks again', async () => {
    const s = screen({ phase: 'failed', line: "web-1's sshd did not come back within 5m (last: connection refused)", advice: ["The provider's console (VNC/KVM/serial): is the boot stuck?", 'The network: IP='] });
    await s.app.ready();
    const f = s.app.frame();
    expect(f).toContain("✗ web-1's sshd did not come back within 5m");
    expect(f).toContain("• The provider's console");
    expect(f).toContain('• The network: IP=');
    await s.app.press('r', KEY.enter);
    expect(s.calls).toEqual(['probe', 'start']);
  });

  it('once back, enter opens the dashboard; esc stops and leaves', async () => {
    const s = screen({ phase: 'back', line: 'web-1 is back after 42s: sshd answers' });
    await s.app.ready();
    expect(s.app.frame()).toContain('✓ web-1 is back after 42s');
    await s.app.press(KEY.enter);
    expect(s.calls).toEqual(['openDashboard']);
    await s.app.press(KEY.esc);
    expect(s.calls).toEqual(['openDashboard', 'cancel']);
    expect(s.backs()).toBe(1);
  });

  it('with the real store: typed passphrase → unlocked → back, and no frame ever shows it', async () => {
    let locked = true;
    const sent: Buffer[] = [];
    const run = async (p: Buffer): Promise<RawRun> => {
      sent.push(p);
      if (!locked) return { code: 0, stdout: '', stderr: '' };
      if (p.toString() !== 'Quokka 7 pass') return { code: 1, stdout: 'Please unlock disk d_crypt\n', stderr: 'cryptsetup: cryptsetup failed, bad password or options?\n' };
      locked = false;
      return { code: 0, stdout: 'Please unlock disk d_crypt\n', stderr: 'cryptsetup: d_crypt set up successfully\n' };
    };
    let back = 0;
    const store = new UnlockStore(
      { label: 'web-1', initramfs: '203.0.113.7:2222', waitTimeoutMs: 300_000 },
      {
        probe: async () => ({ state: 'waiting-for-passphrase', message: 'web-1 is waiting for its disk passphrase', sshd: { kind: 'refused' }, initramfs: { kind: 'refused' } }),
        unlock: (o) => runUnlockFlow({ ...o, run }),
        wait: async () => ({ kind: 'back', elapsedMs: 3000, detail: 'sshd answers' }),
      },
      { onServerBack: () => back++ },
    );
    const app = mount(<Unlock unlock={store} actions={store.actions} width={100} height={30} color={false} onBack={() => undefined} onHelp={() => undefined} />);
    await app.waitFor((f) => f.includes('Press enter to unlock.'));
    await app.press(KEY.enter);
    await app.waitFor((f) => f.includes('Disk passphrase for web-1'));
    await app.press('Quokka 7 typo', KEY.enter);
    await app.waitFor((f) => f.includes('Wrong passphrase: 2 tries left'));
    await app.press('Quokka 7 pass', KEY.enter);
    await app.waitFor((f) => f.includes('✓ web-1 is back after 3s'));
    expect(back).toBe(1);
    expect(sent.map((b) => b.every((x) => x === 0))).toEqual([true, true, true]);
    for (const frame of app.frames) expect(frame).not.toMatch(/Quokka/);
  });
});
