import { describe, expect, it } from 'vitest';
import { parseUnlockRun } from '../../src/unlock/unlock-outcome.js';

// The messages, streams and exit codes of Debian's cryptroot-unlock without a TTY (LAB-NOTES).
describe('reading one cryptroot-unlock call', () => {
  it('success: "set up successfully" on stderr, exit 0', () => {
    expect(parseUnlockRun({ code: 0, stdout: 'Please unlock disk nvme0n1p3_crypt\n', stderr: 'cryptsetup: nvme0n1p3_crypt set up successfully\n' })).toEqual({
      kind: 'unlocked',
      device: 'nvme0n1p3_crypt',
    });
  });

  it('a wrong passphrase names the device it asked for', () => {
    expect(parseUnlockRun({ code: 1, stdout: 'Please unlock disk sda3_crypt\n', stderr: 'cryptsetup: cryptsetup failed, bad password or options?\n' })).toEqual({
      kind: 'bad-passphrase',
      device: 'sda3_crypt',
    });
  });

  it('maximum tries beats the bad-password line if both appear', () => {
    const stderr = 'cryptsetup: cryptsetup failed, bad password or options?\ncryptsetup: maximum number of tries exceeded for sda3_crypt\n';
    expect(parseUnlockRun({ code: 1, stdout: 'Please unlock disk sda3_crypt\n', stderr })).toEqual({ kind: 'max-tries', device: 'sda3_crypt' });
  });

  it('"Try again later" and the askpass timeout mean not ready', () => {
    expect(parseUnlockRun({ code: 1, stdout: '', stderr: 'Try again later\n' })).toEqual({ kind: 'not-ready', reason: 'try-again-later' });
    expect(parseUnlockRun({ code: 1, stdout: '', stderr: 'Error: Timeout reached while waiting for askpass.\n' })).toEqual({ kind: 'not-ready', reason: 'askpass-timeout' });
  });

  it('exit 0 without asking: nothing is left locked', () => {
    expect(parseUnlockRun({ code: 0, stdout: '', stderr: '' })).toEqual({ kind: 'nothing-locked' });
  });

  it('exit 0 after asking counts as unlocked even when the message is missing', () => {
    expect(parseUnlockRun({ code: 0, stdout: 'Please unlock disk md1_crypt\n', stderr: '' })).toEqual({ kind: 'unlocked', device: 'md1_crypt' });
  });

  it('a missing program (127, "not found") is its own outcome', () => {
    expect(parseUnlockRun({ code: 127, stdout: '', stderr: 'sh: 1: cryptroot-unlock: not found\n' })).toEqual({ kind: 'not-found', detail: 'sh: 1: cryptroot-unlock: not found' });
  });

  it('anything else is unexpected, with the last line quoted and sanitised', () => {
    const r = parseUnlockRun({ code: 2, stdout: '', stderr: 'first\n\u001b]0;pwned\u0007boom \u001b[31mred\n' });
    expect(r).toEqual({ kind: 'unexpected', code: 2, detail: 'boom red' });
    expect(parseUnlockRun({ code: null, signal: 'TERM', stdout: '', stderr: '' })).toEqual({ kind: 'unexpected', code: null, detail: 'killed by SIGTERM' });
  });

  it('device names from the server are sanitised', () => {
    const r = parseUnlockRun({ code: 0, stdout: '', stderr: 'cryptsetup: \u001b[2Jevil_crypt set up successfully\n' });
    expect(r).toEqual({ kind: 'unlocked', device: 'evil_crypt' });
  });
});
