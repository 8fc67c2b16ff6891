/**
 * `opsdeck unlock` against the lab: its real Dropbear (port 22222, authorized_keys forcing the
 * cryptroot-unlock stand-in that keeps Debian's contract) and a real sshd of our own on 22241
 * standing in for the server's sshd, down until the disk is unlocked. One test uses the lab's
 * own sshd, stopped for about a second and restarted in a finally block.
 *
 * After every CLI run: the passphrase must not be in any argv seen in /proc during the run, in
 * any file opsdeck wrote under its HOME and config dir, or in its output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { labInfo, requireLab, resetUnlock, startSshd, stopSshd, unlockState, type LabInfo } from '../lab/api.js';
import { connect } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { probeBootState } from '../../src/unlock/boot-state.js';
import { unlockThroughDropbear } from '../../src/unlock/dropbear-unlock.js';
import { requireSshTarget, resolveUnlockEndpoint } from '../../src/unlock/unlock-settings.js';
import { createUnlockSession } from '../../src/unlock/unlock-store.js';
import { waitForSshd } from '../../src/unlock/wait-for-sshd.js';
import { filesContaining, prepareSshd, runCli, tmpDir, watchArgv, type CliRun, type OwnSshd } from './unlock-helpers.js';

let lab: LabInfo;
let dir: string;
let home: string;
let cfg: string;
let sshCfg: string;
let sshd: OwnSshd;
const SSHD_PORT = 22241;
let pass: string;
const outputs: CliRun[] = [];

function writeConfig(profile: Record<string, unknown>) {
  fs.writeFileSync(cfg, JSON.stringify({ version: 1, profiles: { 'web-1': profile } }, null, 2));
}

const webProfile = (unlock: Record<string, unknown> = {}) => ({
  ssh: { host: 'web-1' },
  // A short wait keeps a failing test from hanging for the default 5 minutes.
  unlock: { host: '127.0.0.1', port: lab.dropbear.port, user: lab.dropbear.user, identityFile: lab.dropbear.privateKeyPath, knownHostsFile: path.join(home, 'initramfs_kh'), waitTimeoutSeconds: 30, ...unlock },
});

beforeAll(async () => {
  lab = await requireLab();
  pass = lab.dropbear.passphrase;
  dir = tmpDir('unlock-e2e');
  home = path.join(dir, 'home');
  fs.mkdirSync(home);
  cfg = path.join(home, 'config.json');
  sshCfg = path.join(dir, 'ssh_config');
  sshd = prepareSshd(lab, SSHD_PORT);
  fs.writeFileSync(
    sshCfg,
    [
      'Host web-1',
      '  HostName 127.0.0.1',
      `  Port ${SSHD_PORT}`,
      `  User ${lab.sshd.user}`,
      `  IdentityFile ${lab.sshd.privateKeyPath}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'known_hosts'), sshd.knownHostsLine);
  // The initramfs key is pinned in its own file, as `unlock check --pin` would leave it.
  fs.copyFileSync(lab.dropbear.knownHostsPath, path.join(home, 'initramfs_kh'));
});

afterAll(async () => {
  await sshd?.remove();
  // Everything opsdeck wrote lives under home: none of it may hold the passphrase.
  if (home) expect(filesContaining(home, pass)).toEqual([]);
  for (const o of outputs) expect(`${o.stdout}${o.stderr}`).not.toContain(pass);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await sshd.stop();
  writeConfig(webProfile());
});

async function cli(args: string[], opts: { passphrase?: string; onStderr?: (text: string) => void } = {}): Promise<CliRun> {
  const watch = watchArgv(pass);
  const r = await runCli(['unlock', '--host', 'web-1', '--config', cfg, '--ssh-config', sshCfg, ...args], {
    env: { HOME: home },
    ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
    ...(opts.onStderr ? { onStderr: opts.onStderr } : {}),
  });
  const leaks = await watch.stop();
  expect(watch.scans()).toBeGreaterThan(10);
  expect(leaks).toEqual([]);
  outputs.push(r);
  return r;
}

describe('opsdeck unlock', () => {
  it('recognises the locked server, unlocks it over the forced command, waits for sshd and its key, then the dashboard works', async () => {
    await resetUnlock();
    let started: Promise<void> | undefined;
    const r = await cli(['--passphrase-fd', '3'], {
      // `echo` adds a newline: it is dropped, the passphrase goes without one.
      passphrase: `${pass}\n`,
      onStderr: (text) => {
        if (!started && text.includes('all disks unlocked')) started = sshd.start();
      },
    });
    await started;
    expect(r.stderr).toContain(`web-1 is waiting for its disk passphrase (sshd on 127.0.0.1:${SSHD_PORT}: connection refused; Dropbear answers (dropbear_2022.83) on 127.0.0.1:${lab.dropbear.port})`);
    expect(r.stderr).toContain(`connected to the initramfs (dropbear_2022.83, host key ${lab.dropbear.hostKeys[0]!.type} ${lab.dropbear.hostKeys[0]!.fingerprint})`);
    expect(r.stderr).toContain('nvme0n1p3_crypt unlocked');
    expect(r.stdout).toMatch(new RegExp(`web-1 is back after \\d+s: sshd answers; host key ssh-ed25519 ${sshd.hostKey.fingerprint.replace(/[+/]/g, '\\$&')} matches`));
    expect(r.stdout).toContain('Open the dashboard: opsdeck --host web-1');
    expect(r.code).toBe(0);
    const st = unlockState();
    expect(st.locked).toEqual([]);
    expect(st.attempts.map((a) => a.split(' ').slice(1).join(' '))).toEqual(['nvme0n1p3_crypt unlocked']);

    // Back to the dashboard: the normal connection and the Docker API through it.
    const target = await resolveTarget({ host: 'web-1', 'ssh-config': sshCfg, config: cfg, socket: lab.docker.socketPath }, { HOME: home });
    const conn = await connect(target, refusingPrompter, { reconnect: false });
    try {
      const containers = await conn.docker.listContainers({ all: true });
      expect(containers.length).toBe(lab.containers.length);
    } finally {
      await conn.close();
    }
  });

  it("also against the lab's own sshd: stopped during the unlock, back within the wait", async () => {
    await resetUnlock();
    const flags = { host: 'lab', 'ssh-config': lab.sshd.sshConfigPath, config: cfg };
    fs.writeFileSync(cfg, JSON.stringify({ version: 1, profiles: { lab: { ssh: { host: lab.sshd.hostAlias }, unlock: webProfile().unlock } } }));
    const main = requireSshTarget(await resolveTarget(flags, { HOME: home }), 'test');
    const endpoint = await resolveUnlockEndpoint(main, flags, { HOME: home });
    const initial = Buffer.from(pass);
    let result;
    const t0 = Date.now();
    await stopSshd({ dropSessions: false });
    try {
      expect((await probeBootState(main, endpoint)).state).toBe('waiting-for-passphrase');
      result = await unlockThroughDropbear(endpoint, { prompter: refusingPrompter, initial, canAskAgain: false, ask: async () => null });
    } finally {
      await startSshd();
    }
    const downMs = Date.now() - t0;
    expect(result).toEqual({ kind: 'unlocked', devices: ['nvme0n1p3_crypt'], connectionEnded: false });
    expect(initial.every((b) => b === 0)).toBe(true);
    const back = await waitForSshd(main, refusingPrompter, { timeoutMs: 30_000, intervalMs: 500 });
    expect(back).toMatchObject({ kind: 'back', detail: expect.stringContaining(`matches ${labInfo().sshd.knownHostsPath}`) });
    expect(downMs).toBeLessThan(10_000);
  });

  it('wrong passphrase then right, through the screen store', async () => {
    await resetUnlock();
    const flags = { host: 'web-1', 'ssh-config': sshCfg, config: cfg };
    const main = requireSshTarget(await resolveTarget(flags, { HOME: home }), 'test');
    const endpoint = await resolveUnlockEndpoint(main, flags, { HOME: home });
    let backs = 0;
    const { store, actions } = createUnlockSession(main, endpoint, { mainPrompter: refusingPrompter, waitIntervalMs: 300, onServerBack: () => backs++ });
    const until = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 600 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!pred()) throw new Error(`never ${what}: ${JSON.stringify(store.getSnapshot().current)}`);
    };
    let started: Promise<void> | undefined;
    const off = store.subscribe(() => {
      if (store.getSnapshot().devices.length && !started) started = sshd.start();
    });
    try {
      await until(() => store.getSnapshot().current.phase === 'detected', 'detected');
      actions.start();
      await until(() => store.getSnapshot().current.phase === 'secret', 'asked');
      const wrong = Buffer.from('not the passphrase');
      actions.submitSecret(wrong);
      await until(() => {
        const c = store.getSnapshot().current;
        return c.phase === 'secret' && c.note !== undefined;
      }, 'asked again');
      expect(store.getSnapshot().current).toMatchObject({ prompt: 'Passphrase for nvme0n1p3_crypt on web-1', note: 'Wrong passphrase: 2 tries left (tries made elsewhere count too).' });
      const right = Buffer.from(pass);
      actions.submitSecret(right);
      await until(() => store.getSnapshot().current.phase === 'back', 'back');
      expect(backs).toBe(1);
      expect(wrong.every((b) => b === 0) && right.every((b) => b === 0)).toBe(true);
      expect(unlockState().attempts.map((a) => a.split(' ')[2])).toEqual(['bad-passphrase', 'unlocked']);
      expect(store.getSnapshot().log.join('\n')).not.toContain(pass);
    } finally {
      off();
      await started;
    }
  });

  it('maximum tries: stops, says the server needs a reboot; the next call meets the askpass timeout', async () => {
    await resetUnlock({ askpassTimeoutS: 1 });
    const r = await cli(['--passphrase-fd', '3', '--no-wait'], { passphrase: 'wrong 1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('opsdeck: wrong passphrase for nvme0n1p3_crypt: 2 tries left');
    const flags = { host: 'web-1', 'ssh-config': sshCfg, config: cfg };
    const main = requireSshTarget(await resolveTarget(flags, { HOME: home }), 'test');
    const endpoint = await resolveUnlockEndpoint(main, flags, { HOME: home });
    const answers = ['wrong 2', 'wrong 3', 'never sent'];
    const asked: (number | undefined)[] = [];
    const maxed = await unlockThroughDropbear(endpoint, {
      prompter: refusingPrompter,
      canAskAgain: true,
      ask: async (q) => {
        asked.push(q.triesLeft);
        return Buffer.from(answers.shift()!);
      },
    });
    // This session only saw two of the three tries: it counts its own, cryptsetup counts all.
    expect(maxed).toEqual({ kind: 'max-tries', device: 'nvme0n1p3_crypt', devices: [] });
    expect(answers).toEqual(['never sent']);
    expect(unlockState().failed).toEqual(['nvme0n1p3_crypt']);
    const again = await cli(['--passphrase-fd', '3', '--no-wait'], { passphrase: pass });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('cryptroot-unlock timed out waiting for askpass; retrying in 2s (1 of 5)');
  }, 120_000);

  it('the askpass timeout retries with a short backoff; after a reboot the retry unlocks', async () => {
    await resetUnlock({ askpassTimeoutS: 1, maxTries: 1 });
    const flags = { host: 'web-1', 'ssh-config': sshCfg, config: cfg };
    const main = requireSshTarget(await resolveTarget(flags, { HOME: home }), 'test');
    const endpoint = await resolveUnlockEndpoint(main, flags, { HOME: home });
    // One wrong answer uses the only try: askpass is gone until the "reboot".
    expect(await unlockThroughDropbear(endpoint, { prompter: refusingPrompter, initial: Buffer.from('wrong'), canAskAgain: false, ask: async () => null })).toMatchObject({ kind: 'max-tries' });
    const events: string[] = [];
    let rebooted: Promise<unknown> | undefined;
    const r = await unlockThroughDropbear(endpoint, {
      prompter: refusingPrompter,
      initial: Buffer.from(pass),
      canAskAgain: false,
      ask: async () => null,
      notReadyDelaysMs: [2000, 2000, 2000],
      onEvent: (e) => {
        events.push(e.type === 'not-ready' ? `not-ready:${e.reason}` : e.type);
        // The "reboot" happens during the pause before the first retry.
        if (e.type === 'not-ready' && e.retry === 1) rebooted = resetUnlock();
      },
    });
    await rebooted;
    expect(events).toEqual(['running', 'not-ready:askpass-timeout', 'running', 'unlocked', 'running']);
    expect(r).toEqual({ kind: 'unlocked', devices: ['nvme0n1p3_crypt'], connectionEnded: false });
  });

  it('"Try again later" while the initramfs boots, then success', async () => {
    // Longer than opsdeck takes to start, so its first call really comes too early.
    await resetUnlock({ notReadyForS: 8 });
    const r = await cli(['--passphrase-fd', '3', '--no-wait'], { passphrase: pass });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('the initramfs is not ready yet ("Try again later"); retrying in 2s (1 of 5)');
    expect(r.stdout).toContain('all disks unlocked (nvme0n1p3_crypt)');
    expect(unlockState().locked).toEqual([]);
  });

  it('several encrypted devices: repeats until none is left locked', async () => {
    await resetUnlock({ devices: ['sda3_crypt', 'sdb3_crypt', 'md0_crypt'] });
    const r = await cli(['--passphrase-fd', '3', '--no-wait'], { passphrase: pass });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('all disks unlocked (sda3_crypt, sdb3_crypt, md0_crypt)');
    expect(unlockState()).toMatchObject({ locked: [], unlocked: ['sda3_crypt', 'sdb3_crypt', 'md0_crypt'] });
  });

  it('sshd never coming back: times out with what to check (exit 1)', async () => {
    await resetUnlock();
    writeConfig(webProfile({ waitTimeoutSeconds: 10 }));
    const r = await cli(['--passphrase-fd', '3'], { passphrase: pass });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/web-1's sshd did not come back within \d+s \(last: connection refused\)/);
    expect(r.stderr).toContain(`Dropbear still answers on 127.0.0.1:${lab.dropbear.port}`);
    expect(r.stderr).toContain("The provider's console");
    expect(r.stderr).toContain("initramfs's IP= setting");
  });

  it('sshd coming back with a different host key is refused, not trusted', async () => {
    await resetUnlock();
    fs.writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${SSHD_PORT} ssh-ed25519 ${lab.sshd.hostKeys.find((k) => k.type === 'ssh-ed25519')!.base64}\n`);
    let started: Promise<void> | undefined;
    try {
      const r = await cli(['--passphrase-fd', '3', '--accept-new'], {
        passphrase: pass,
        onStderr: (text) => {
          if (!started && text.includes('all disks unlocked')) started = sshd.start();
        },
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`opsdeck: HOST KEY CHANGED for [127.0.0.1]:${SSHD_PORT}`);
      expect(r.stderr).toContain(sshd.hostKey.fingerprint);
    } finally {
      await started;
      fs.writeFileSync(path.join(dir, 'known_hosts'), sshd.knownHostsLine);
    }
  });

  it('a refused passphrase on --passphrase-fd ends with the tries left, and the wrong one is not echoed', async () => {
    await resetUnlock();
    const wrong = 'Tr0ub4dor&3 wrong';
    const r = await cli(['--passphrase-fd', '3'], { passphrase: wrong });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('opsdeck: wrong passphrase for nvme0n1p3_crypt: 2 tries left');
    expect(`${r.stdout}${r.stderr}`).not.toContain(wrong);
    expect(unlockState().locked).toEqual(['nvme0n1p3_crypt']);
  });

  it('a server that is up is left alone; one that answers nowhere is one clear line', async () => {
    await resetUnlock();
    const up = await runCli(['unlock', '--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--config', cfg, '--passphrase-fd', '3'], { env: { HOME: home }, passphrase: pass });
    expect(up.stdout).toBe(`${lab.sshd.hostAlias} is up: nothing to unlock\n`);
    expect(up.code).toBe(0);
    expect(unlockState().attempts).toEqual([]);
    writeConfig(webProfile({ port: 22249 }));
    const down = await cli(['--passphrase-fd', '3'], { passphrase: pass });
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`opsdeck: web-1 does not answer (sshd on 127.0.0.1:${SSHD_PORT}: connection refused; initramfs on 127.0.0.1:22249: connection refused)`);
    expect(down.stderr).toContain("Check the provider's console");
  });

  it('without a terminal or --passphrase-fd it refuses to guess', async () => {
    const r = await runCli(['unlock', '--host', 'web-1', '--config', cfg, '--ssh-config', sshCfg], { env: { HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('opsdeck: no way to ask for the passphrase: stdin is not a terminal');
  });
});
