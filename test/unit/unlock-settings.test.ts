import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src/config/profile-store.js';
import { UserError } from '../../src/errors.js';
import { resolveTarget, type SshTarget } from '../../src/transport/target.js';
import { readPassphraseFd, MAX_PASSPHRASE_BYTES } from '../../src/cli/passphrase-fd.js';
import { requireSshTarget, resolveUnlockEndpoint } from '../../src/unlock/unlock-settings.js';

let dir: string;
let cfg: string;
let sshConfig: string;
const env = () => ({ HOME: dir });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-unlock-settings-'));
  cfg = path.join(dir, 'conf', 'config.json');
  sshConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    sshConfig,
    [
      'Host web',
      '  HostName 203.0.113.7',
      '  Port 2200',
      '  User deploy',
      '  IdentityFile ~/.ssh/web_key',
      '  HostKeyAlias web-alias',
      '  UserKnownHostsFile ~/.ssh/known_web',
      'Host web-initramfs',
      '  HostName 203.0.113.7',
      '  Port 4748',
      '  User unlocker',
      '  UserKnownHostsFile ~/.ssh/known_initramfs',
      '',
    ].join('\n'),
  );
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function main(profile?: Parameters<ProfileStore['add']>[0]): Promise<SshTarget> {
  const store = new ProfileStore({ configPath: cfg });
  if (profile) store.add(profile);
  const t = await resolveTarget({ host: profile?.name ?? 'web', 'ssh-config': sshConfig, config: cfg }, env(), { systemSshConfig: null });
  return requireSshTarget(t, 'test');
}

const flags = () => ({ 'ssh-config': sshConfig, config: cfg });

describe('where the initramfs is', () => {
  it("defaults: the server's name through ssh_config, port 2222, root, its own known_hosts beside the profile store", async () => {
    const m = await main();
    const u = await resolveUnlockEndpoint(m, flags(), env(), { systemSshConfig: null });
    expect(u.target).toMatchObject({ host: '203.0.113.7', port: 2222, user: 'root', label: 'web (initramfs)' });
    expect(u.knownHostsFile).toBe(path.join(dir, 'conf', 'initramfs_known_hosts'));
    // Never the server's HostKeyAlias or known_hosts: the initramfs key is pinned on its own.
    expect(u.target.knownHosts).toEqual({ userFiles: [path.join(dir, 'conf', 'initramfs_known_hosts')], globalFiles: [], hashNew: false });
    expect(u.target.identityFiles).toContain(path.join(dir, '.ssh', 'web_key'));
    expect(u).toMatchObject({ command: 'cryptroot-unlock', maxTries: 3, waitTimeoutMs: 300_000, configured: false, configDir: undefined });
  });

  it('the profile overrides each part', async () => {
    const m = await main({
      name: 'prod',
      ssh: { host: 'web' },
      unlock: { port: 4222, user: 'unlock', identityFile: '~/.ssh/initramfs_key', knownHostsFile: '~/pinned', command: '/usr/bin/cryptroot-unlock', maxTries: 5, waitTimeoutSeconds: 60, configDir: '/etc/dropbear' },
    });
    const u = await resolveUnlockEndpoint(m, flags(), env(), { systemSshConfig: null });
    expect(u.target).toMatchObject({ host: '203.0.113.7', port: 4222, user: 'unlock', label: 'prod (initramfs)' });
    expect(u.target.identityFiles[0]).toBe(path.join(dir, '.ssh', 'initramfs_key'));
    expect(u).toMatchObject({ knownHostsFile: path.join(dir, 'pinned'), command: '/usr/bin/cryptroot-unlock', maxTries: 5, waitTimeoutMs: 60_000, configured: true, configDir: '/etc/dropbear' });
  });

  it('an ssh_config alias made for the initramfs brings its own Port, User and UserKnownHostsFile', async () => {
    const m = await main({ name: 'prod', ssh: { host: 'web' }, unlock: { host: 'web-initramfs' } });
    const u = await resolveUnlockEndpoint(m, flags(), env(), { systemSshConfig: null });
    expect(u.target).toMatchObject({ port: 4748, user: 'unlocker' });
    expect(u.knownHostsFile).toBe(path.join(dir, '.ssh', 'known_initramfs'));
  });

  it('--accept-new carries over to the initramfs', async () => {
    const u = await resolveUnlockEndpoint(await main(), { ...flags(), 'accept-new': true }, env(), { systemSshConfig: null });
    expect(u.target.strictHostKeyChecking).toBe('accept-new');
  });

  it('accept-new or no from ssh_config (a Host * block) is not trust for the initramfs: the key must be pinned or confirmed', async () => {
    for (const value of ['accept-new', 'no', 'ask', 'yes']) {
      fs.writeFileSync(sshConfig, fs.readFileSync(sshConfig, 'utf8').replace(/\nHost \*\n  StrictHostKeyChecking \S+\n$/, '\n') + `Host *\n  StrictHostKeyChecking ${value}\n`);
      const m = await main();
      expect(m.strictHostKeyChecking).toBe(value);
      const u = await resolveUnlockEndpoint(m, flags(), env(), { systemSshConfig: null });
      expect(u.target.strictHostKeyChecking).toBe(value === 'yes' ? 'yes' : 'ask');
    }
  });

  it('a local profile cannot be unlocked from here', async () => {
    const store = new ProfileStore({ configPath: cfg });
    store.add({ name: 'box', local: true });
    const t = await resolveTarget({ host: 'box', config: cfg }, env());
    expect(() => requireSshTarget(t, 'unlock')).toThrow(UserError);
  });

  it('bad unlock settings are refused by the profile schema, naming the field', () => {
    const store = new ProfileStore({ configPath: cfg });
    expect(() => store.add({ name: 'p', ssh: { host: 'h' }, unlock: { port: 70000 } })).toThrow(/unlock\.port: must be a whole number from 1 to 65535/);
    expect(() => store.add({ name: 'p', ssh: { host: 'h' }, unlock: { command: 'cryptroot-unlock; reboot' } })).toThrow(/unlock\.command/);
    expect(() => store.add({ name: 'p', ssh: { host: 'h' }, unlock: { waitTimeoutSeconds: 1 } })).toThrow(/unlock\.waitTimeoutSeconds: must be a whole number of seconds from 10 to 3600/);
    expect(() => store.add({ name: 'p', ssh: { host: 'h' }, unlock: { prot: 1 } as never })).toThrow(/unlock\.prot: unknown field/);
  });
});

describe('--passphrase-fd', () => {
  function fdWith(content: Buffer): number {
    const f = path.join(dir, 'fd-input');
    fs.writeFileSync(f, content);
    const fd = fs.openSync(f, 'r');
    fs.rmSync(f);
    return fd;
  }

  it('reads the bytes as given, dropping one trailing newline (or CRLF) only', async () => {
    for (const [input, want] of [
      ['pass word\n', 'pass word'],
      ['pass word\r\n', 'pass word'],
      ['trailing space \n\n', 'trailing space \n'],
      ['no newline', 'no newline'],
      ['ends in cr\r', 'ends in cr\r'],
    ] as const) {
      const fd = fdWith(Buffer.from(input));
      try {
        expect((await readPassphraseFd(fd)).toString('utf8')).toBe(want);
      } finally {
        fs.closeSync(fd);
      }
    }
  });

  it('refuses empty, oversized, stdout/stderr and closed descriptors with one line', async () => {
    const empty = fdWith(Buffer.from('\n'));
    await expect(readPassphraseFd(empty)).rejects.toThrow('--passphrase-fd ' + empty + ': the passphrase is empty');
    fs.closeSync(empty);
    const big = fdWith(Buffer.alloc(MAX_PASSPHRASE_BYTES + 10, 0x61));
    await expect(readPassphraseFd(big)).rejects.toThrow(/more than 8192 bytes/);
    fs.closeSync(big);
    await expect(readPassphraseFd(1)).rejects.toThrow(/is stdout/);
    await expect(readPassphraseFd(999)).rejects.toThrow(/no such open file descriptor/);
  });
});
