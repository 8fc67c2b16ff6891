import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src/config/profile-store.js';
import { hopChain, parseDestination, resolveTarget, type SshTarget } from '../../src/transport/target.js';

let home: string;
let env: NodeJS.ProcessEnv;
let store: ProfileStore;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-target-'));
  fs.mkdirSync(path.join(home, '.ssh'));
  env = { HOME: home };
  store = new ProfileStore({ configPath: path.join(home, 'config.json') });
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const resolve = (flags: Parameters<typeof resolveTarget>[0], e: NodeJS.ProcessEnv = env) => resolveTarget(flags, e, { store, systemSshConfig: null });
const ssh = async (flags: Parameters<typeof resolveTarget>[0], e?: NodeJS.ProcessEnv) => {
  const t = await resolve(flags, e);
  if (t.kind !== 'ssh') throw new Error('expected an ssh target');
  return t as SshTarget;
};

describe('destinations', () => {
  it('parses user@host:port, ssh:// and [v6]:port', () => {
    expect(parseDestination('deploy@192.0.2.1:2222')).toEqual({ user: 'deploy', host: '192.0.2.1', port: 2222 });
    expect(parseDestination('ssh://root@box')).toEqual({ user: 'root', host: 'box' });
    expect(parseDestination('[::1]:22')).toEqual({ host: '::1', port: 22 });
    expect(parseDestination('::1')).toEqual({ host: '::1' });
  });
  it('refuses names that could carry shell syntax', () => {
    expect(() => parseDestination('box;touch x')).toThrow(/not a valid host name/);
    expect(() => parseDestination('$(id)@box')).toThrow(/not a valid user name/);
    expect(() => parseDestination('box:99999')).toThrow(/port must be/);
  });
});

describe('local or remote', () => {
  it('--local, DOCKER_HOST unix://, and nothing at all are local', async () => {
    expect(await resolve({ local: true, host: 'x' })).toMatchObject({ kind: 'local', socketPath: '/var/run/docker.sock' });
    expect(await resolve({}, { ...env, DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toMatchObject({ kind: 'local', socketPath: '/run/user/1000/docker.sock' });
    expect(await resolve({})).toMatchObject({ kind: 'local' });
    expect(await resolve({ socket: '/tmp/d.sock' })).toMatchObject({ kind: 'local', socketPath: '/tmp/d.sock' });
  });
  it('DOCKER_HOST ssh:// is a server; tcp:// is refused', async () => {
    expect(await ssh({}, { ...env, DOCKER_HOST: 'ssh://deploy@example.net:2200' })).toMatchObject({ host: 'example.net', user: 'deploy', port: 2200 });
    await expect(resolve({}, { ...env, DOCKER_HOST: 'tcp://1.2.3.4:2375' })).rejects.toThrow(/unix socket or ssh:\/\/ only/);
  });
  it('the default profile is used when no --host is given', async () => {
    store.add({ name: 'prod', ssh: { host: 'prod.example', user: 'ops' }, socket: '/run/docker.sock' }, { makeDefault: true });
    expect(await ssh({})).toMatchObject({ label: 'prod', host: 'prod.example', user: 'ops', socketPath: '/run/docker.sock' });
  });
  it('a relative --socket is refused', async () => {
    await expect(resolve({ socket: 'docker.sock' })).rejects.toThrow(/absolute path/);
  });
});

describe('ssh_config applied', () => {
  it('profile → alias → HostName/User/Port/IdentityFile/known hosts/timeouts', async () => {
    fs.writeFileSync(
      path.join(home, '.ssh', 'config'),
      [
        'Host vps',
        '  HostName 198.51.100.7',
        '  User admin',
        '  Port 2022',
        '  IdentityFile ~/.ssh/vps_%r',
        '  IdentitiesOnly yes',
        '  UserKnownHostsFile ~/.ssh/kh_vps',
        '  StrictHostKeyChecking accept-new',
        '  ConnectTimeout 5',
        '  ServerAliveInterval 9',
        '  HashKnownHosts yes',
      ].join('\n'),
    );
    store.add({ name: 'work', ssh: { host: 'vps', identityFile: '~/.ssh/profile_key' } });
    const t = await ssh({ host: 'work' });
    expect(t).toMatchObject({
      label: 'work',
      name: 'vps',
      host: '198.51.100.7',
      user: 'admin',
      port: 2022,
      identitiesOnly: true,
      strictHostKeyChecking: 'accept-new',
      connectTimeoutMs: 5000,
      keepaliveIntervalMs: 9000,
      knownHosts: { userFiles: [path.join(home, '.ssh', 'kh_vps')], hashNew: true },
    });
    expect(t.identityFiles).toEqual([path.join(home, '.ssh', 'profile_key'), path.join(home, '.ssh', 'vps_admin')]);
    expect(t.auth).toEqual({ publickey: true, password: false, keyboardInteractive: false });
    // user@ on the command line beats User.
    expect((await ssh({ host: 'root@vps' })).user).toBe('root');
  });

  it('--accept-new overrides StrictHostKeyChecking; passwords only when allowed', async () => {
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host *\n  StrictHostKeyChecking yes\n');
    expect((await ssh({ host: 'a@b' })).strictHostKeyChecking).toBe('yes');
    expect((await ssh({ host: 'a@b', 'accept-new': true })).strictHostKeyChecking).toBe('accept-new');
    const t = await resolveTarget({ host: 'a@b' }, env, { store, systemSshConfig: null, allowPassword: true });
    expect(t.kind === 'ssh' && t.auth).toEqual({ publickey: true, password: true, keyboardInteractive: true });
  });

  it('ProxyJump chains resolve each hop through ssh_config, the first hop dialled first', async () => {
    fs.writeFileSync(
      path.join(home, '.ssh', 'config'),
      ['Host target', '  HostName 192.0.2.9', '  ProxyJump j1,ops@j2:2202', 'Host j1', '  HostName 127.0.0.1', '  Port 22030', '  User jumper', 'Host j2', '  HostName 198.51.100.1'].join('\n'),
    );
    const t = await ssh({ host: 'target' });
    const chain = hopChain(t).map((h) => `${h.user}@${h.host}:${h.port}:${h.via.kind}`);
    expect(chain).toEqual(['jumper@127.0.0.1:22030:direct', 'ops@198.51.100.1:2202:jump', `${os.userInfo().username}@192.0.2.9:22:jump`]);
  });

  it('ProxyCommand gets its tokens expanded', async () => {
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host p\n  HostName 198.51.100.2\n  User u\n  ProxyCommand ssh -W %h:%p -l %r gateway\n');
    const t = await ssh({ host: 'p' });
    expect(t.via).toEqual({ kind: 'command', command: 'ssh -W 198.51.100.2:22 -l u gateway' });
  });

  it('--ssh-config replaces ~/.ssh/config, like ssh -F', async () => {
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host a\n  Port 1111\n');
    const other = path.join(home, 'other_config');
    fs.writeFileSync(other, 'Host a\n  Port 2222\n');
    expect((await ssh({ host: 'a', 'ssh-config': other })).port).toBe(2222);
    await expect(resolve({ host: 'a', 'ssh-config': path.join(home, 'missing') })).rejects.toThrow(/cannot read ssh config/);
  });

  it('IdentityAgent none turns the agent off; SSH_AUTH_SOCK turns it on', async () => {
    expect((await ssh({ host: 'a@b' }, { ...env, SSH_AUTH_SOCK: '/tmp/agent.sock' })).agentSocket).toBe('/tmp/agent.sock');
    fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host b\n  IdentityAgent none\n');
    expect((await ssh({ host: 'a@b' }, { ...env, SSH_AUTH_SOCK: '/tmp/agent.sock' })).agentSocket).toBeUndefined();
  });

  it('a bad profile file stops resolution with its one-line error', async () => {
    fs.writeFileSync(path.join(home, 'config.json'), '{"profiles":{"x":{"ssh":{"host":"h","port":"x"}}}}');
    await expect(resolve({ host: 'x' })).rejects.toThrow(/config\.json: profiles\.x\.ssh\.port/);
  });
});
