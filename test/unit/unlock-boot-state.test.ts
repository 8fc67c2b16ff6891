import { describe, expect, it } from 'vitest';
import { classifyBootState, hostPort, type BootStateInput } from '../../src/unlock/boot-state.js';
import { findIdentification, softwareOf, type BannerProbe } from '../../src/unlock/ssh-banner.js';
import { timeoutAdvice, waitForSshdWith, type WaitDeps } from '../../src/unlock/wait-for-sshd.js';
import { ConnectError, HostKeyChangedError } from '../../src/transport/connect-errors.js';

const openssh: BannerProbe = { kind: 'ssh', version: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', software: 'openssh' };
const dropbear: BannerProbe = { kind: 'ssh', version: 'SSH-2.0-dropbear_2022.83', software: 'dropbear' };

function input(sshd: BannerProbe, initramfs: BannerProbe, extra: Partial<BootStateInput> = {}): BootStateInput {
  return { label: 'web-1', sshdWhere: '203.0.113.7:22', initramfsWhere: '203.0.113.7:2222', sshd, initramfs, configured: false, samePort: false, ...extra };
}

describe('is the server waiting for its disk passphrase?', () => {
  it('sshd refused + Dropbear on 2222: waiting, said plainly', () => {
    const r = classifyBootState(input({ kind: 'refused' }, dropbear));
    expect(r.state).toBe('waiting-for-passphrase');
    expect(r.message).toBe('web-1 is waiting for its disk passphrase (sshd on 203.0.113.7:22: connection refused; Dropbear answers (dropbear_2022.83) on 203.0.113.7:2222)');
  });

  it('sshd timing out counts the same as refused', () => {
    expect(classifyBootState(input({ kind: 'timeout' }, dropbear, { timeoutMs: 4000 })).message).toContain('no answer within 4s');
  });

  it('an OpenSSH sshd means up, whatever 2222 says', () => {
    expect(classifyBootState(input(openssh, dropbear)).state).toBe('up');
    expect(classifyBootState(input(openssh, { kind: 'refused' })).state).toBe('up');
  });

  it('another SSH server on 2222 is an initramfs only if the profile says so', () => {
    const other: BannerProbe = { kind: 'ssh', version: 'SSH-2.0-OpenSSH_8.4', software: 'openssh' };
    expect(classifyBootState(input({ kind: 'refused' }, other)).state).toBe('unreachable');
    expect(classifyBootState(input({ kind: 'refused' }, other, { configured: true })).state).toBe('waiting-for-passphrase');
  });

  it('Dropbear on the sshd port itself (initramfs on 22) is recognised', () => {
    const r = classifyBootState(input(dropbear, dropbear, { samePort: true, initramfsWhere: '203.0.113.7:22' }));
    expect(r.state).toBe('waiting-for-passphrase');
    expect(r.message).toContain('Dropbear answers on 203.0.113.7:22');
  });

  it('nothing answering anywhere: unreachable, pointing at the console', () => {
    const r = classifyBootState(input({ kind: 'timeout' }, { kind: 'refused' }));
    expect(r.state).toBe('unreachable');
    expect(r.state === 'unreachable' && r.hint).toMatch(/provider's console/);
  });
});

describe('SSH banners', () => {
  it('finds the identification line, even after other lines, and names the software', () => {
    expect(findIdentification('SSH-2.0-dropbear_2022.83\r\n')).toBe('SSH-2.0-dropbear_2022.83');
    expect(findIdentification('hello there\r\nSSH-2.0-OpenSSH_9.2\r\n')).toBe('SSH-2.0-OpenSSH_9.2');
    expect(findIdentification('SSH-2.0-partial')).toBeNull();
    expect(findIdentification('x'.repeat(9000))).toBeUndefined();
    expect(softwareOf('SSH-2.0-dropbear_2020.81')).toBe('dropbear');
    expect(softwareOf('SSH-2.0-OpenSSH_9.2p1')).toBe('openssh');
    expect(softwareOf('SSH-2.0-Go')).toBe('other');
  });

  it('formats IPv6 endpoints with brackets', () => {
    expect(hostPort('2001:db8::1', 2222)).toBe('[2001:db8::1]:2222');
    expect(hostPort('web-1.example.com', 22)).toBe('web-1.example.com:22');
  });
});

describe('waiting for sshd after the unlock', () => {
  function clock() {
    let t = 0;
    return { now: () => t, sleep: async (ms: number) => void (t += ms), advance: (ms: number) => void (t += ms) };
  }
  const opts = { label: 'web-1', sshdWhere: '203.0.113.7:22', initramfsWhere: '203.0.113.7:2222', timeoutMs: 60_000, intervalMs: 3000 };

  it('keeps knocking until the banner answers and the host key verifies', async () => {
    const c = clock();
    const knocks: BannerProbe[] = [{ kind: 'refused' }, { kind: 'timeout' }, openssh];
    const progress: string[] = [];
    const deps: WaitDeps = { knock: async () => knocks.shift()!, verify: async () => 'host key matches', now: c.now, sleep: c.sleep };
    const r = await waitForSshdWith(deps, { ...opts, onProgress: (p) => progress.push(p.last) });
    expect(r).toEqual({ kind: 'back', elapsedMs: 6000, detail: 'host key matches' });
    expect(progress).toEqual(['connection refused', 'no answer within 4s']);
  });

  it('a changed host key ends the wait at once with the transport refusal', async () => {
    const c = clock();
    const refusal = new HostKeyChangedError('HOST KEY CHANGED for 203.0.113.7', 'remove line 3');
    const deps: WaitDeps = { knock: async () => openssh, verify: async () => Promise.reject(refusal), now: c.now, sleep: c.sleep };
    expect(await waitForSshdWith(deps, opts)).toEqual({ kind: 'refused', elapsedMs: 0, error: refusal });
  });

  it('a banner that goes away during the key exchange is not a refusal: keep waiting', async () => {
    const c = clock();
    let n = 0;
    const deps: WaitDeps = {
      knock: async () => openssh,
      verify: async () => {
        if (n++ === 0) throw new ConnectError('handshake', 'web-1: the server closed the connection');
        return 'ok';
      },
      now: c.now,
      sleep: c.sleep,
    };
    expect(await waitForSshdWith(deps, opts)).toMatchObject({ kind: 'back', elapsedMs: 3000 });
  });

  it('times out with what to check, mentioning Dropbear when it still answers', async () => {
    const c = clock();
    const deps: WaitDeps = { knock: async () => ({ kind: 'refused' }), verify: async () => 'x', knockInitramfs: async () => dropbear, now: c.now, sleep: c.sleep };
    const r = await waitForSshdWith(deps, { ...opts, timeoutMs: 10_000 });
    expect(r.kind).toBe('timeout');
    if (r.kind !== 'timeout') return;
    expect(r.elapsedMs).toBeLessThanOrEqual(10_000);
    expect(r.last).toBe('connection refused');
    expect(r.advice[0]).toMatch(/Dropbear still answers on 203\.0\.113\.7:2222/);
    expect(r.advice.join(' ')).toMatch(/console/);
    expect(r.advice.join(' ')).toMatch(/IP=/);
    expect(timeoutAdvice(opts, { kind: 'refused' })[0]).not.toMatch(/Dropbear/);
  });

  it('stops when cancelled', async () => {
    const c = clock();
    const ac = new AbortController();
    const deps: WaitDeps = {
      knock: async () => {
        ac.abort();
        return { kind: 'refused' };
      },
      verify: async () => 'x',
      now: c.now,
      sleep: c.sleep,
    };
    expect(await waitForSshdWith(deps, { ...opts, signal: ac.signal })).toMatchObject({ kind: 'cancelled' });
  });
});
