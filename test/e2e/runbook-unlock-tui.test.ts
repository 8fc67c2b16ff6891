/**
 * reboot-and-unlock from the TUI of a locked server, on a real pseudo-terminal: the Failed panel
 * offers it, the run asks the passphrase in its own masked field (never on screen), unlocks the
 * lab's Dropbear, waits for the server's sshd (one of ours, started once the disk is open), and
 * ends with the project well over the connection the session opened when the server came back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, resetUnlock, unlockState, type LabInfo } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { interactiveEnv, startOnPty, waitForScreen } from '../support/pty-terminal.js';
import { prepareWebServer, tmpDir, type OwnSshd } from './unlock-helpers.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
const SSHD_PORT = 22246;
let lab: LabInfo;
let dir: string;
let sshCfg: string;
let sshd: OwnSshd;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('runbook-unlock-tui');
  ({ sshd, sshConfig: sshCfg } = prepareWebServer(lab, dir, SSHD_PORT));
  // The server after a reboot: sshd down, the disk locked, Dropbear waiting.
  await resetUnlock();
}, 60_000);

afterAll(async () => {
  await sshd?.remove();
  await resetUnlock();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('reboot-and-unlock from the TUI', () => {
  it('is offered on the locked server, asks the passphrase masked, and ends with the project well', async () => {
    const pass = lab.dropbear.passphrase;
    const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--host', 'web-1', '--ssh-config', sshCfg];
    const t = startOnPty(argv, { cols: 150, rows: 45, env: interactiveEnv({ OPSDECK_CONFIG: path.join(dir, 'config.json'), HOME: dir }) });
    const screens: string[] = [];
    const until = (what: string, ok: (s: string) => boolean, ms?: number) => waitForScreen(t, what, ok, ms, (s) => screens.push(s));
    try {
      await until('the locked server was not recognised', (s) => /b +reboot and unlock/i.test(s), 60_000);
      t.child.stdin.write('b');
      await until('no runbook list offered', (s) => s.includes('reboot-and-unlock'));
      t.child.stdin.write('\r');
      await until('no parameter form', (s) => s.includes('Run reboot-and-unlock'));
      // reboot: command → console (tab); project: blog; enter on the last field starts.
      t.child.stdin.write('\t');
      await sleep(200);
      t.child.stdin.write('\u001b[B');
      await sleep(200);
      t.child.stdin.write('blog');
      await sleep(200);
      t.child.stdin.write('\r');
      await until('the console step did not ask', (s) => /y done/.test(s));
      t.child.stdin.write('y');
      await until('the passphrase was not asked', (s) => /waiting for you: passphrase for unlock/.test(s), 60_000);
      t.child.stdin.write(pass);
      await sleep(300);
      t.child.stdin.write('\r');
      for (const end = Date.now() + 30_000; unlockState().unlocked.length === 0; await sleep(100)) {
        if (Date.now() > end) throw new Error(`not unlocked:\n${(await t.screen()).join('\n')}`);
      }
      // The boot goes on: the server's sshd starts.
      await sshd.start();
      const done = await until('the run did not end done', (s) => /done · transcript: /.test(s), 120_000);
      expect(done).toMatch(/✓ unlock/);
      expect(done).toMatch(/✓ project/);
      for (const s of screens) expect(s).not.toContain(pass);
      expect(t.raw()).not.toContain(pass);
      const runs = fs.readdirSync(path.join(dir, 'runs'));
      const text = fs.readFileSync(path.join(dir, 'runs', runs[0]!), 'utf8');
      expect(text).not.toContain(pass);
    } finally {
      t.child.kill('SIGKILL');
    }
  }, 240_000);
});
