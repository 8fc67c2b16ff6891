import React from 'react';
import { describe, expect, it } from 'vitest';
import { UnlockCheck } from '../../screens/UnlockCheck.js';
import type { CheckReport } from '../../src/unlock/check/evaluate-check.js';
import type { FixPlan } from '../../src/unlock/check/fix-plan.js';
import { UnlockCheckStore, type UnlockCheckActions, type UnlockCheckSnapshot } from '../../src/unlock/check/unlock-check-store.js';
import { KEY, mount, valueStore } from './harness.js';

const report: CheckReport = {
  label: 'web-1',
  ok: false,
  hostKeys: [{ file: '/etc/dropbear/initramfs/dropbear_ed25519_host_key', keyType: 'ssh-ed25519', blob: Buffer.from('k'), fingerprint: 'SHA256:abc', pin: 'unknown' }],
  items: [
    { id: 'package', title: 'dropbear-initramfs', status: 'pass', detail: 'installed (2022.83-1)' },
    { id: 'no-passwords', title: 'password logins', status: 'fail', detail: 'no -s: password logins are allowed', hint: 'Add -s to DROPBEAR_OPTIONS.' },
    { id: 'host-key', title: 'Dropbear host key', status: 'warn', detail: 'ssh-ed25519 SHA256:abc is not in /kh', hint: "Pin it now: 'opsdeck unlock check --pin'." },
  ],
};

const plan: FixPlan = {
  kind: 'changes',
  files: [{ path: '/etc/dropbear/initramfs/dropbear.conf', before: 'DROPBEAR_OPTIONS="-p 2222"\n', after: "DROPBEAR_OPTIONS='-p 2222 -I 60 -j -k -s'\n", diff: ['-1: DROPBEAR_OPTIONS="-p 2222"', "+1: DROPBEAR_OPTIONS='-p 2222 -I 60 -j -k -s'"] }],
  commands: [['update-initramfs', '-u']],
};

function setup(over: Partial<UnlockCheckSnapshot> = {}) {
  const store = valueStore<UnlockCheckSnapshot>({ status: 'ready', report, plan, confirming: false, messages: [], canPin: true, ...over });
  const calls: string[] = [];
  const actions: UnlockCheckActions = {
    run: () => calls.push('run'),
    pin: () => calls.push('pin'),
    proposeFix: () => calls.push('propose'),
    confirmFix: () => calls.push('confirm'),
    cancelFix: () => calls.push('cancelFix'),
  };
  let backs = 0;
  const app = mount(<UnlockCheck check={store} actions={actions} width={110} color={false} onBack={() => backs++} onHelp={() => calls.push('help')} />);
  return { app, store, calls, backs: () => backs };
}

describe('Unlock check panel', () => {
  it('lists each item with its verdict and, when not passing, what to do', async () => {
    const s = setup();
    await s.app.ready();
    const f = s.app.frame();
    expect(f).toContain('Remote unlock setup of web-1');
    expect(f).toContain('✓ dropbear-initramfs: installed (2022.83-1)');
    expect(f).toContain('✗ password logins: no -s: password logins are allowed');
    expect(f).toContain('Add -s to DROPBEAR_OPTIONS.');
    expect(f).toContain('! Dropbear host key: ssh-ed25519 SHA256:abc is not in /kh');
    expect(f).toContain('p pins the Dropbear key now');
  });

  it('p pins, w proposes, r re-runs; y does nothing until the changes are shown', async () => {
    const s = setup();
    await s.app.ready();
    await s.app.press('p', 'y', 'w', 'r');
    expect(s.calls).toEqual(['pin', 'propose', 'run']);
  });

  it('shows the exact line changes before anything is written; y writes, esc drops them', async () => {
    const s = setup({ confirming: true });
    await s.app.ready();
    const f = s.app.frame();
    expect(f).toContain('These changes would be made:');
    expect(f).toContain('-1: DROPBEAR_OPTIONS="-p 2222"');
    expect(f).toContain("+1: DROPBEAR_OPTIONS='-p 2222 -I 60 -j -k -s'");
    expect(f).toContain('then: update-initramfs -u');
    await s.app.press(KEY.esc);
    expect(s.calls).toEqual(['cancelFix']);
    expect(s.backs()).toBe(0);
    await s.app.press('y');
    expect(s.calls).toEqual(['cancelFix', 'confirm']);
  });

  it('with the real store: w then y applies the plan once, and the check runs again', async () => {
    let checks = 0;
    const applied: FixPlan[] = [];
    const store = new UnlockCheckStore({
      check: async () => {
        checks++;
        return { facts: {} as never, report, plan };
      },
      pin: () => ({ pinned: [{ keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', file: '/kh', line: 1 }], skipped: [] }),
      apply: async (p) => {
        applied.push(p);
        return { ok: true, steps: ['wrote /etc/dropbear/initramfs/dropbear.conf (1 line(s) changed)', 'update-initramfs -u: done'] };
      },
      pinnable: true,
    });
    const app = mount(<UnlockCheck check={store} actions={store.actions} width={110} color={false} onBack={() => undefined} onHelp={() => undefined} />);
    await app.waitFor((f) => f.includes('password logins'));
    await app.press('y');
    expect(applied).toHaveLength(0);
    await app.press('w');
    await app.waitFor((f) => f.includes('These changes would be made:'));
    await app.press('y');
    await app.waitFor((f) => f.includes('done: the next boot uses the new initramfs'));
    expect(applied).toEqual([plan]);
    await app.press('p');
    await app.waitFor((f) => f.includes('pinned ssh-ed25519 SHA256:abc in /kh line 1'));
    expect(checks).toBeGreaterThanOrEqual(3);
  });
});
