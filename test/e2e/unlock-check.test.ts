/**
 * `opsdeck unlock check` over the lab's real sshd as the deploy user. The lab host has no
 * dropbear-initramfs, no /boot image and no initramfs network settings, so the check must say
 * exactly that (real failures and warnings, exit 1) and change nothing. A second run points the
 * profile's configDir at a directory of Dropbear files we create (options, authorized_keys, a
 * host key made by dropbearkey), to see real passes, a real fingerprint, and pinning that a
 * later unlock then relies on, against a Dropbear of ours using that very key (port 22244).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, resetUnlock, type LabInfo } from '../lab/api.js';
import { connect } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { createUnlockCheck } from '../../src/unlock/check/unlock-check-store.js';
import { unlockThroughDropbear } from '../../src/unlock/dropbear-unlock.js';
import { requireSshTarget, resolveUnlockEndpoint } from '../../src/unlock/unlock-settings.js';
import { runCli, startDropbear, tmpDir, type OwnDropbear } from './unlock-helpers.js';

let lab: LabInfo;
let dir: string;
let home: string;
let cfg: string;
let confDir: string;
let dropbear: OwnDropbear | undefined;
const PORT = 22244;

interface JsonReport {
  ok: boolean;
  items: { id: string; status: string; detail: string; hint?: string }[];
  hostKeys: { keyType: string; fingerprint: string; pin: string; publicKey: string }[];
  fix: unknown;
}

function etcSnapshot(): string {
  return ['/etc/dropbear', '/etc/dropbear-initramfs', '/etc/initramfs-tools'].map((p) => `${p}:${fs.existsSync(p)}`).join(' ');
}

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('unlock-check');
  home = path.join(dir, 'home');
  fs.mkdirSync(home);
  cfg = path.join(home, 'config.json');
  // Files the deploy user may read, laid out like /etc/dropbear/initramfs.
  const deploy = execFileSync('getent', ['passwd', lab.sshd.user], { encoding: 'utf8' }).split(':');
  const [uid, gid] = [Number(deploy[2]), Number(deploy[3])];
  confDir = path.join(dir, 'initramfs-conf');
  fs.mkdirSync(confDir, { mode: 0o755 });
  fs.writeFileSync(path.join(confDir, 'dropbear.conf'), `# written by the test\nDROPBEAR_OPTIONS="-p ${PORT}"\n`);
  fs.writeFileSync(path.join(confDir, 'authorized_keys'), `${fs.readFileSync(`${lab.dropbear.privateKeyPath}.pub`, 'utf8').trim()}\n`, { mode: 0o600 });
  execFileSync('dropbearkey', ['-t', 'ed25519', '-f', path.join(confDir, 'dropbear_ed25519_host_key')], { stdio: 'ignore' });
  for (const f of ['', 'dropbear.conf', 'authorized_keys', 'dropbear_ed25519_host_key']) fs.chownSync(path.join(confDir, f), uid, gid);
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      version: 1,
      profiles: {
        // The transport opens its Docker path even for exec-only commands: give it the lab's socket.
        lab: { ssh: { host: lab.sshd.hostAlias }, socket: lab.docker.socketPath },
        staged: {
          ssh: { host: lab.sshd.hostAlias },
          socket: lab.docker.socketPath,
          unlock: { host: '127.0.0.1', port: PORT, user: lab.dropbear.user, identityFile: lab.dropbear.privateKeyPath, knownHostsFile: path.join(home, 'initramfs_kh'), configDir: confDir },
        },
      },
    }),
  );
});

afterAll(async () => {
  await dropbear?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const check = (host: string, extra: string[] = []) => runCli(['unlock', 'check', '--host', host, '--ssh-config', lab.sshd.sshConfigPath, '--config', cfg, ...extra], { env: { HOME: home } });

describe('opsdeck unlock check', () => {
  it('on the lab host: reports what is missing, read-only, exit 1', async () => {
    const before = etcSnapshot();
    const r = await check('lab', ['--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    const status = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
    expect(status).toMatchObject({ package: 'fail', config: 'fail', 'authorized-keys': 'fail', initramfs: 'fail', network: 'warn', 'host-key': 'fail' });
    expect(report.items.find((i) => i.id === 'package')!.detail).toBe('not installed');
    expect(report.items.find((i) => i.id === 'config')!.detail).toBe('no dropbear.conf or config in /etc/dropbear/initramfs (no such directory)');
    expect(report.items.find((i) => i.id === 'initramfs')!.detail).toMatch(/^\/boot\/initrd\.img-\S+ does not exist$/);
    // The real kernel command line has no ip=, and there is no initramfs.conf.
    expect(report.items.find((i) => i.id === 'network')!.detail).toContain('tries DHCP on every interface');
    expect(report.ok).toBe(false);
    expect(etcSnapshot()).toBe(before);
  });

  it('--write refuses before touching anything when it cannot do it right', async () => {
    const before = etcSnapshot();
    const r = await check('lab', ['--write', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('opsdeck: unlock check --write: dropbear-initramfs is not installed: install it first');
    expect(r.stderr).toContain('Nothing was changed.');
    expect(etcSnapshot()).toBe(before);
  });

  it('with real Dropbear files: judges them, prints the fingerprint, pins it; the unlock then trusts exactly that key', async () => {
    const keyLine = execFileSync('dropbearkey', ['-y', '-f', path.join(confDir, 'dropbear_ed25519_host_key')], { encoding: 'utf8' })
      .split('\n')
      .find((l) => l.startsWith('ssh-ed25519'))!;
    const r = await check('staged', ['--json']);
    const report = JSON.parse(r.stdout) as JsonReport;
    const status = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
    expect(status).toMatchObject({
      config: 'pass',
      port: 'pass',
      'no-passwords': 'fail',
      'no-forwarding': 'warn',
      'idle-timeout': 'info',
      'authorized-keys': 'pass',
      'key-restrictions': 'warn',
      'forced-command': 'info',
      'your-key': 'pass',
      'host-key': 'warn',
    });
    expect(report.items.find((i) => i.id === 'config')!.detail).toBe(`${confDir}/dropbear.conf line 2: DROPBEAR_OPTIONS="-p ${PORT}"`);
    expect(report.hostKeys).toHaveLength(1);
    expect(report.hostKeys[0]!.publicKey).toBe(keyLine.split(' ').slice(0, 2).join(' '));
    expect(report.hostKeys[0]!.pin).toBe('unknown');

    const pinned = await check('staged', ['--pin']);
    expect(pinned.stdout).toContain(`WARN  Dropbear host key: ssh-ed25519 ${report.hostKeys[0]!.fingerprint} is not in ${path.join(home, 'initramfs_kh')}`);
    expect(pinned.stderr).toContain(`pinned ssh-ed25519 ${report.hostKeys[0]!.fingerprint} in ${path.join(home, 'initramfs_kh')} line 1`);
    const after = JSON.parse((await check('staged', ['--json'])).stdout) as JsonReport;
    expect(after.hostKeys[0]!.pin).toBe('pinned');

    // The initramfs boots with that key: the unlock accepts it without asking anyone.
    await resetUnlock();
    dropbear = await startDropbear({
      port: PORT,
      hostKeyFile: path.join(confDir, 'dropbear_ed25519_host_key'),
      authorizedKeys: [`command="${lab.dropbear.unlockCommand}",no-port-forwarding ${fs.readFileSync(`${lab.dropbear.privateKeyPath}.pub`, 'utf8').trim()}`],
    });
    const flags = { host: 'staged', 'ssh-config': lab.sshd.sshConfigPath, config: cfg };
    const main = requireSshTarget(await resolveTarget(flags, { HOME: home }), 'test');
    const endpoint = await resolveUnlockEndpoint(main, flags, { HOME: home });
    let hostKey = '';
    const result = await unlockThroughDropbear(endpoint, {
      prompter: refusingPrompter,
      initial: Buffer.from(lab.dropbear.passphrase),
      canAskAgain: false,
      ask: async () => null,
      onConnected: (i) => (hostKey = i.hostKey),
    });
    expect(result).toMatchObject({ kind: 'unlocked' });
    expect(hostKey).toBe(`ssh-ed25519 ${report.hostKeys[0]!.fingerprint}`);
  });

  it('the TUI panel store over a live connection shows the same report and plans nothing it cannot do', async () => {
    const flags = { host: 'staged', 'ssh-config': lab.sshd.sshConfigPath, config: cfg };
    const target = await resolveTarget(flags, { HOME: home });
    const conn = await connect(target, refusingPrompter, { reconnect: false, pingDocker: false });
    try {
      const endpoint = await resolveUnlockEndpoint(requireSshTarget(target, 'test'), flags, { HOME: home });
      const { store, actions } = createUnlockCheck(conn, endpoint);
      const off = store.subscribe(() => undefined);
      for (let i = 0; i < 400 && store.getSnapshot().status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 25));
      const s = store.getSnapshot();
      expect(s.status).toBe('ready');
      expect(s.report!.items.find((i) => i.id === 'your-key')!.status).toBe('pass');
      actions.proposeFix();
      expect(store.getSnapshot().confirming).toBe(false);
      expect(store.getSnapshot().messages.at(-1)).toBe('cannot write: dropbear-initramfs is not installed: install it first (apt install dropbear-initramfs)');
      off();
    } finally {
      await conn.close();
    }
  });
});
