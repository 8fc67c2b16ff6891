/**
 * The initramfs connection against Dropbear processes of our own (ports 22242-22244), each with
 * its own host key and authorized_keys: a plain exec of cryptroot-unlock, a forced command that
 * ignores what we ask to run, a missing program, and the host key rules of the transport (an
 * unknown key needs explicit trust; a changed one is refused, --accept-new or not, before any
 * login and before any passphrase is sent).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, resetUnlock, unlockState, type LabInfo } from '../lab/api.js';
import { checkHostKey, parseKnownHosts } from '../../src/config/known-hosts.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { unlockThroughDropbear } from '../../src/unlock/dropbear-unlock.js';
import { requireSshTarget, resolveUnlockEndpoint } from '../../src/unlock/unlock-settings.js';
import { createUnlockSession } from '../../src/unlock/unlock-store.js';
import { filesContaining, runCli, startDropbear, tmpDir, watchArgv, type OwnDropbear } from './unlock-helpers.js';

let lab: LabInfo;
let dir: string;
let home: string;
let cfg: string;
let clientKey: string;
let plain: OwnDropbear;
let forced: OwnDropbear;

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('unlock-trust');
  home = path.join(dir, 'home');
  fs.mkdirSync(home);
  cfg = path.join(home, 'config.json');
  clientKey = fs.readFileSync(`${lab.dropbear.privateKeyPath}.pub`, 'utf8').trim();
  plain = await startDropbear({ port: 22242, authorizedKeys: [`no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${clientKey}`] });
  forced = await startDropbear({ port: 22243, authorizedKeys: [`command="${lab.dropbear.unlockCommand}",no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${clientKey}`] });
});

afterAll(async () => {
  await plain?.stop();
  await forced?.stop();
  if (home) expect(filesContaining(home, lab.dropbear.passphrase)).toEqual([]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A profile whose server's sshd is nowhere (port 22249): only the initramfs matters here. */
function profile(port: number, unlock: Record<string, unknown> = {}) {
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      version: 1,
      profiles: {
        'web-1': {
          ssh: { host: '127.0.0.1', port: 22249, user: lab.sshd.user, identityFile: lab.sshd.privateKeyPath },
          unlock: { port, user: lab.dropbear.user, identityFile: lab.dropbear.privateKeyPath, knownHostsFile: path.join(home, `kh-${port}`), ...unlock },
        },
      },
    }),
  );
}

async function endpoint(acceptNew = false) {
  const flags = { host: 'web-1', config: cfg, ...(acceptNew ? { 'accept-new': true } : {}) };
  const main = requireSshTarget(await resolveTarget(flags, { HOME: home }, { systemSshConfig: null }), 'test');
  return resolveUnlockEndpoint(main, flags, { HOME: home }, { systemSshConfig: null });
}

const pin = (d: OwnDropbear) => fs.writeFileSync(path.join(home, `kh-${d.port}`), `[127.0.0.1]:${d.port} ${d.hostKey.type} ${d.hostKey.base64}\n`);
const once = (pass: string) => ({ prompter: refusingPrompter, initial: Buffer.from(pass), canAskAgain: false, ask: async () => null });

describe('the exec channel to Dropbear', () => {
  it('runs cryptroot-unlock by the command set in the profile, without a PTY', async () => {
    await resetUnlock();
    profile(plain.port, { command: lab.dropbear.unlockCommand });
    pin(plain);
    const r = await unlockThroughDropbear(await endpoint(), once(lab.dropbear.passphrase));
    expect(r).toEqual({ kind: 'unlocked', devices: ['nvme0n1p3_crypt'], connectionEnded: false });
    // Without a TTY the stand-in answers one device per call and never prompts; with one it would loop.
    expect(unlockState().attempts).toHaveLength(1);
  });

  it('works the same where authorized_keys forces command="…" (the command we ask for is ignored)', async () => {
    await resetUnlock();
    profile(forced.port, { command: 'no-such-program' });
    pin(forced);
    const r = await unlockThroughDropbear(await endpoint(), once(lab.dropbear.passphrase));
    expect(r).toEqual({ kind: 'unlocked', devices: ['nvme0n1p3_crypt'], connectionEnded: false });
  });

  it('a slow typist: Dropbear drops the idle connection (-I); opsdeck logs in again and asks again before sending', async () => {
    await resetUnlock();
    const idle = await startDropbear({ port: 22246, authorizedKeys: [`command="${lab.dropbear.unlockCommand}" ${clientKey}`], extraOptions: ['-I', '2'] });
    try {
      profile(idle.port);
      pin(idle);
      const reasons: string[] = [];
      const r = await unlockThroughDropbear(await endpoint(), {
        prompter: refusingPrompter,
        canAskAgain: true,
        ask: async (q) => {
          reasons.push(q.reason);
          // The first answer takes longer than Dropbear's idle timeout: the connection made before it is gone.
          if (reasons.length === 1) await new Promise((res) => setTimeout(res, 4000));
          return Buffer.from(lab.dropbear.passphrase);
        },
      });
      expect(r).toEqual({ kind: 'unlocked', devices: ['nvme0n1p3_crypt'], connectionEnded: false });
      // The passphrase typed for the first connection never went over the second one.
      expect(reasons).toEqual(['first', 'reconnected']);
      expect(unlockState().attempts).toHaveLength(1);
      expect(idle.log().match(/Pubkey auth succeeded/g)?.length).toBe(2);
    } finally {
      await idle.stop();
    }
  });

  it('a missing program is reported as such, and nothing was tried', async () => {
    await resetUnlock();
    profile(plain.port);
    pin(plain);
    const r = await unlockThroughDropbear(await endpoint(), once(lab.dropbear.passphrase));
    expect(r).toMatchObject({ kind: 'not-found', detail: expect.stringMatching(/cryptroot-unlock: (command )?not found/) });
    expect(unlockState().attempts).toEqual([]);
  });
});

describe('the initramfs host key', () => {
  it('unknown: the CLI refuses, says how to check and pin it, and sends nothing', async () => {
    await resetUnlock();
    profile(plain.port, { command: lab.dropbear.unlockCommand });
    const kh = path.join(home, `kh-${plain.port}`);
    fs.rmSync(kh, { force: true });
    const logBefore = plain.log().length;
    const watch = watchArgv(lab.dropbear.passphrase);
    const r = await runCli(['unlock', '--host', 'web-1', '--config', cfg, '--passphrase-fd', '3'], { env: { HOME: home }, passphrase: lab.dropbear.passphrase });
    expect(await watch.stop()).toEqual([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`opsdeck: initramfs: unlock@127.0.0.1:${plain.port}: unknown host key (ssh-ed25519 ${plain.hostKey.fingerprint}) and nobody confirmed it`);
    expect(r.stderr).toContain("opsdeck unlock check --host web-1' printed while the server was up");
    expect(r.stderr).toContain(`--accept-new to record it in ${kh}`);
    expect(fs.existsSync(kh)).toBe(false);
    expect(unlockState().attempts).toEqual([]);
    expect(plain.log().slice(logBefore)).not.toMatch(/Pubkey auth succeeded/);
  });

  it('unknown, with StrictHostKeyChecking accept-new or no in ssh_config\'s Host *: still refused, nothing recorded, nothing sent', async () => {
    await resetUnlock();
    profile(plain.port, { command: lab.dropbear.unlockCommand });
    const kh = path.join(home, `kh-${plain.port}`);
    const sshDir = path.join(home, '.ssh');
    fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    const userConfig = path.join(sshDir, 'config');
    try {
      for (const value of ['accept-new', 'no']) {
        fs.rmSync(kh, { force: true });
        fs.writeFileSync(userConfig, `Host *\n  StrictHostKeyChecking ${value}\n`, { mode: 0o600 });
        const logBefore = plain.log().length;
        const watch = watchArgv(lab.dropbear.passphrase);
        const r = await runCli(['unlock', '--host', 'web-1', '--config', cfg, '--passphrase-fd', '3', '--no-wait'], { env: { HOME: home }, passphrase: lab.dropbear.passphrase });
        expect(await watch.stop()).toEqual([]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`unknown host key (ssh-ed25519 ${plain.hostKey.fingerprint}) and nobody confirmed it`);
        expect(fs.existsSync(kh)).toBe(false);
        expect(unlockState().attempts).toEqual([]);
        expect(plain.log().slice(logBefore)).not.toMatch(/Pubkey auth succeeded/);
      }
    } finally {
      fs.rmSync(userConfig, { force: true });
    }
  });

  it('unknown + --accept-new: recorded in the initramfs known_hosts (not the normal one), then unlocked', async () => {
    await resetUnlock();
    profile(plain.port, { command: lab.dropbear.unlockCommand });
    const kh = path.join(home, `kh-${plain.port}`);
    fs.rmSync(kh, { force: true });
    const r = await runCli(['unlock', '--host', 'web-1', '--config', cfg, '--passphrase-fd', '3', '--accept-new', '--no-wait'], { env: { HOME: home }, passphrase: lab.dropbear.passphrase });
    expect(r.code).toBe(0);
    // Recorded the way ssh_config says (Debian's /etc/ssh/ssh_config hashes names): check by lookup.
    const entries = parseKnownHosts(fs.readFileSync(kh, 'utf8'), kh).entries;
    expect(entries).toHaveLength(1);
    expect(checkHostKey(entries, `[127.0.0.1]:${plain.port}`, Buffer.from(plain.hostKey.base64, 'base64')).status).toBe('known');
    expect(fs.existsSync(path.join(home, '.ssh', 'known_hosts'))).toBe(false);
    expect(unlockState().locked).toEqual([]);
  });

  it('unknown in the TUI: the question shows the fingerprint; yes records it and the unlock goes on', async () => {
    await resetUnlock();
    profile(plain.port, { command: lab.dropbear.unlockCommand });
    const kh = path.join(home, `kh-${plain.port}`);
    fs.rmSync(kh, { force: true });
    const e = await endpoint();
    const main = requireSshTarget(await resolveTarget({ host: 'web-1', config: cfg }, { HOME: home }, { systemSshConfig: null }), 'test');
    const { store, actions } = createUnlockSession(main, e, { mainPrompter: refusingPrompter });
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 400 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!pred()) throw new Error(JSON.stringify(store.getSnapshot().current));
    };
    const off = store.subscribe(() => undefined);
    try {
      await until(() => store.getSnapshot().current.phase === 'detected');
      actions.start();
      await until(() => store.getSnapshot().current.phase === 'host-key');
      expect(store.getSnapshot().current).toMatchObject({ question: { fingerprintSHA256: plain.hostKey.fingerprint, port: plain.port, knownHostsFile: kh } });
      actions.answerHostKey(true);
      await until(() => store.getSnapshot().current.phase === 'secret');
      expect(fs.readFileSync(kh, 'utf8')).toContain(plain.hostKey.base64);
      actions.submitSecret(Buffer.from(lab.dropbear.passphrase));
      // The server's sshd (22249) never answers here: the unlock is done once the wait starts.
      await until(() => store.getSnapshot().current.phase === 'waiting');
      expect(store.getSnapshot().devices).toEqual(['nvme0n1p3_crypt']);
      actions.cancel();
      await until(() => store.getSnapshot().current.phase === 'failed');
    } finally {
      off();
    }
  });

  it('changed: refused with both fingerprints, --accept-new or not; no login, no passphrase, file untouched', async () => {
    await resetUnlock();
    profile(plain.port, { command: lab.dropbear.unlockCommand });
    const kh = path.join(home, `kh-${plain.port}`);
    // The key pinned is another Dropbear's (the lab's): as if the initramfs were rebuilt or impersonated.
    const pinned = `[127.0.0.1]:${plain.port} ssh-ed25519 ${lab.dropbear.hostKeys[0]!.base64}\n`;
    fs.writeFileSync(kh, pinned);
    const before = plain.log().length;
    for (const extra of [[], ['--accept-new']]) {
      const r = await runCli(['unlock', '--host', 'web-1', '--config', cfg, '--passphrase-fd', '3', ...extra], { env: { HOME: home }, passphrase: lab.dropbear.passphrase });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`opsdeck: HOST KEY CHANGED for [127.0.0.1]:${plain.port}`);
      expect(r.stderr).toContain(lab.dropbear.hostKeys[0]!.fingerprint);
      expect(r.stderr).toContain(plain.hostKey.fingerprint);
      expect(r.stderr).toContain(`remove line 1 of ${kh}`);
    }
    expect(fs.readFileSync(kh, 'utf8')).toBe(pinned);
    expect(unlockState().attempts).toEqual([]);
    expect(plain.log().slice(before)).not.toMatch(/auth succeeded|Bad public key|Pubkey auth/i);
  });
});
