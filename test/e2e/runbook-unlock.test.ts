/**
 * reboot-and-unlock on a terminal, against the lab's real Dropbear and an sshd of our own that
 * stands in for the server's: the operator "resets the server from the console" (the test stops
 * the sshd and locks the disks again), acknowledges, types the passphrase when the initramfs
 * asks, the server's sshd comes back once the disk is unlocked, and the run ends with the
 * project's services well, over the run's own reconnected connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, resetUnlock, unlockState, type LabInfo } from '../lab/api.js';
import { interactiveEnv, startOnPty } from '../support/pty-terminal.js';
import { prepareWebServer, tmpDir, type OwnSshd } from './unlock-helpers.js';

const BUNDLE = 'dist/opsdeck.mjs';
const SSHD_PORT = 22242;
let lab: LabInfo;
let dir: string;
let cfg: string;
let sshCfg: string;
let sshd: OwnSshd;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, ok: () => boolean, screen: () => string): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(100)) if (Date.now() > end) throw new Error(`never ${what}; the terminal:\n${screen().slice(-3000)}`);
}

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('runbook-unlock');
  ({ sshd, sshConfig: sshCfg, config: cfg } = prepareWebServer(lab, dir, SSHD_PORT));
  await sshd.start();
}, 60_000);

afterAll(async () => {
  await sshd?.remove();
  await resetUnlock();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('reboot-and-unlock', () => {
  it('waits for the initramfs, unlocks with the typed passphrase, and ends with the grid well', async () => {
    const pass = lab.dropbear.passphrase;
    const t = startOnPty(
      [process.execPath, BUNDLE, 'runbook', 'run', 'reboot-and-unlock', '--host', 'web-1', '--ssh-config', sshCfg, '--param', 'reboot=console', '--param', 'project=blog'],
      { cols: 160, rows: 50, env: interactiveEnv({ OPSDECK_CONFIG: cfg, HOME: dir }) },
    );
    try {
      await until('asked to reset the server', 30_000, () => t.raw().includes('y done / s skip / q stop'), t.raw);
      // The reset: the server's sshd goes away and its disks are locked again.
      await sshd.stop();
      await resetUnlock();
      t.child.stdin.write('y\r');
      await until('asked for the passphrase', 60_000, () => /passphrase/i.test(t.raw().split('y done / s skip / q stop').at(-1) ?? ''), t.raw);
      t.child.stdin.write(`${pass}\r`);
      // The boot goes on once the disk is open: the server's sshd starts.
      await until('unlocked', 30_000, () => unlockState().unlocked.length > 0, t.raw);
      await sshd.start();
      const code = await Promise.race([t.exited, sleep(170_000).then(() => 'timeout')]);
      const raw = t.raw();
      expect(code, raw).toBe(0);
      expect(raw).not.toContain(pass);
      const runs = path.join(dir, 'runs');
      const [file] = fs.readdirSync(runs).filter((f) => f.includes('reboot-and-unlock'));
      const text = fs.readFileSync(path.join(runs, file!), 'utf8');
      expect(text).not.toContain(pass);
      const ends = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { t: string; step?: string; status?: string })
        .filter((e) => e.t === 'step-end')
        .map((e) => [e.step, e.status]);
      expect(ends).toEqual([
        ['before', 'skipped'],
        ['reboot', 'skipped'],
        ['console', 'ok'],
        ['unlock', 'ok'],
        ['rebooted', 'skipped'],
        ['grid', 'skipped'],
        ['project', 'ok'],
      ]);
      expect(unlockState().attempts.map((a) => a.split(' ').slice(1).join(' '))).toEqual(['nvme0n1p3_crypt unlocked']);
    } finally {
      t.child.kill('SIGKILL');
    }
  }, 240_000);
});
