/**
 * Logging in to the lab's real sshd: key file, ssh-agent, encrypted key with a passphrase from
 * a prompter, unknown host keys (refused non-interactively, recorded with accept-new), argv
 * quoting through exec, and local mode on the lab's Docker socket.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { ConnectError } from '../../src/transport/connect-errors.js';
import { refusingPrompter, type Prompter, type SecretQuestion, type UnknownHostKeyQuestion } from '../../src/transport/prompter.js';
import { resolveTarget, type SshTarget } from '../../src/transport/target.js';
import { startAgent, tmpDir, type Agent } from './transport-helpers.js';
import { dockerLogApi } from '../../src/logs/log-source.js';

let lab: LabInfo;
let dir: string;
const open: ServerConnection[] = [];

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('auth');
});
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** An ssh_config for the lab's sshd with the given lines, and a HOME with nothing in it. */
async function labTarget(name: string, lines: string[], flags: { 'accept-new'?: boolean } = {}, env: NodeJS.ProcessEnv = {}): Promise<SshTarget> {
  const cfg = path.join(dir, `${name}.config`);
  fs.writeFileSync(cfg, [`Host ${name}`, `  HostName 127.0.0.1`, `  Port ${lab.sshd.port}`, `  User ${lab.sshd.user}`, ...lines.map((l) => `  ${l}`), ''].join('\n'));
  const home = path.join(dir, `home-${name}`);
  fs.mkdirSync(home, { recursive: true });
  const t = await resolveTarget({ host: name, 'ssh-config': cfg, socket: lab.docker.socketPath, config: path.join(dir, 'none.json'), ...flags }, { HOME: home, ...env });
  if (t.kind !== 'ssh') throw new Error('expected ssh');
  return t;
}

async function keep(c: Promise<ServerConnection>): Promise<ServerConnection> {
  const conn = await c;
  open.push(conn);
  return conn;
}

class TestPrompter implements Prompter {
  hostKeyQuestions: UnknownHostKeyQuestion[] = [];
  secretQuestions: SecretQuestion[] = [];
  handedOut: Buffer[] = [];
  constructor(
    private answers: { hostKey?: boolean; secrets?: string[] } = {},
  ) {}
  async confirmUnknownHostKey(q: UnknownHostKeyQuestion): Promise<boolean> {
    this.hostKeyQuestions.push(q);
    return this.answers.hostKey ?? false;
  }
  async askSecret(q: SecretQuestion): Promise<Buffer | null> {
    this.secretQuestions.push(q);
    const next = this.answers.secrets?.shift();
    if (next === undefined) return null;
    const b = Buffer.from(next);
    this.handedOut.push(b);
    return b;
  }
}

describe('authentication', () => {
  it('logs in with an identity file and reaches Docker through streamlocal', async () => {
    const t = await labTarget('keyfile', [`IdentityFile ${lab.sshd.privateKeyPath}`, `UserKnownHostsFile ${lab.sshd.knownHostsPath}`, 'IdentitiesOnly yes']);
    const c = await keep(connect(t, refusingPrompter));
    expect(c.path).toBe('streamlocal');
    expect(c.hops()[0]).toMatchObject({ auth: lab.sshd.privateKeyPath, hostKey: { status: 'known', file: lab.sshd.knownHostsPath } });
    const info = await c.docker.version();
    expect(info.ApiVersion).toBe(lab.docker.apiVersion);
    expect((await c.docker.listContainers({ all: true })).length).toBeGreaterThanOrEqual(lab.containers.length);
    expect(c.state.getSnapshot().state).toMatchObject({ status: 'connected', path: 'streamlocal' });
  });

  it('logs in with keys from a real ssh-agent', async () => {
    let agent: Agent | undefined;
    try {
      agent = startAgent();
      agent.add(lab.sshd.privateKeyPath);
      // No IdentityFile and an empty HOME: the agent is the only way in.
      const t = await labTarget('agent', [`UserKnownHostsFile ${lab.sshd.knownHostsPath}`], {}, { SSH_AUTH_SOCK: agent.socket });
      expect(t.identityFiles).toEqual([]);
      const c = await keep(connect(t, refusingPrompter));
      expect(c.hops()[0]!.auth).toBe('ssh-agent');
      expect((await c.exec(['id', '-un'])).stdout.trim()).toBe(lab.sshd.user);
      await c.close();
    } finally {
      agent?.stop();
    }
  });

  it('IdentitiesOnly: agent keys are offered only when they match a configured identity', async () => {
    let agent: Agent | undefined;
    try {
      agent = startAgent();
      agent.add(lab.sshd.privateKeyPath);
      // Only the public half on disk: the agent must do the signing.
      const pubOnly = path.join(dir, 'agent_only_key');
      fs.copyFileSync(`${lab.sshd.privateKeyPath}.pub`, `${pubOnly}.pub`);
      const env = { SSH_AUTH_SOCK: agent.socket };
      const allowed = await labTarget('idonly-ok', [`IdentityFile ${pubOnly}`, 'IdentitiesOnly yes', `UserKnownHostsFile ${lab.sshd.knownHostsPath}`], {}, env);
      const c = await keep(connect(allowed, refusingPrompter));
      expect(c.hops()[0]!.auth).toBe('ssh-agent');
      await c.close();
      const other = await labTarget('idonly-no', [`IdentityFile ${path.join(dir, 'some_other_key')}`, 'IdentitiesOnly yes', `UserKnownHostsFile ${lab.sshd.knownHostsPath}`], {}, env);
      const err = await connect(other, refusingPrompter).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).step).toBe('auth');
    } finally {
      agent?.stop();
    }
  });

  it('asks for the passphrase of an encrypted key through the prompter, and zeroes it', async () => {
    const key = path.join(dir, 'encrypted_key');
    fs.copyFileSync(lab.sshd.privateKeyPath, key);
    fs.chmodSync(key, 0o600);
    // Re-encrypt the (authorized) lab key with a passphrase; -P/-N on argv, no pipes involved.
    execFileSync('ssh-keygen', ['-q', '-p', '-f', key, '-P', '', '-N', 'correct horse'], { stdio: 'ignore' });
    expect(fs.readFileSync(key, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY');
    const t = await labTarget('encrypted', [`IdentityFile ${key}`, 'IdentitiesOnly yes', `UserKnownHostsFile ${lab.sshd.knownHostsPath}`]);
    const prompter = new TestPrompter({ secrets: ['wrong one', 'correct horse'] });
    const c = await keep(connect(t, prompter));
    expect(c.hops()[0]!.auth).toBe(key);
    expect(prompter.secretQuestions.map((q) => q.kind)).toEqual(['passphrase', 'passphrase']);
    expect(prompter.secretQuestions[0]!.prompt).toBe(`Passphrase for ${key}`);
    expect(prompter.secretQuestions[1]!.prompt).toMatch(/wrong, try again/);
    // Both answers were wiped after use.
    for (const b of prompter.handedOut) expect(b.every((x) => x === 0)).toBe(true);
    await c.close();
  });

  it('a cancelled passphrase ends in a one-line auth error that names the key, not the secret', async () => {
    const key = path.join(dir, 'encrypted_key2');
    fs.copyFileSync(lab.sshd.privateKeyPath, key);
    fs.chmodSync(key, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-f', key, '-P', '', '-N', 'another secret'], { stdio: 'ignore' });
    const t = await labTarget('cancelled', [`IdentityFile ${key}`, 'IdentitiesOnly yes', `UserKnownHostsFile ${lab.sshd.knownHostsPath}`]);
    const err = await connect(t, new TestPrompter({ secrets: [] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).step).toBe('auth');
    expect((err as Error).message).toContain(`${key}: encrypted, no passphrase given`);
    expect((err as Error).message).not.toContain('another secret');
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('unknown host keys', () => {
  it('are refused non-interactively, with the fingerprint, and nothing is recorded', async () => {
    const kh = path.join(dir, 'kh-refuse');
    const t = await labTarget('unknown', [`IdentityFile ${lab.sshd.privateKeyPath}`, `UserKnownHostsFile ${kh}`, 'GlobalKnownHostsFile /dev/null']);
    expect(t.strictHostKeyChecking).toBe('ask');
    const err = await connect(t, refusingPrompter).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).step).toBe('host-key');
    expect((err as Error).message).toMatch(/unknown host key \((ssh-ed25519|ecdsa-sha2-nistp256) SHA256:[A-Za-z0-9+/]{43}\)/);
    expect((err as ConnectError).hint).toMatch(/--accept-new/);
    expect(fs.existsSync(kh)).toBe(false);
  });

  it('the TUI-style prompter is asked with the OpenSSH fingerprint; yes records the key', async () => {
    const kh = path.join(dir, 'kh-ask');
    const t = await labTarget('ask', [`IdentityFile ${lab.sshd.privateKeyPath}`, `UserKnownHostsFile ${kh}`, 'GlobalKnownHostsFile /dev/null']);
    const prompter = new TestPrompter({ hostKey: true });
    const c = await keep(connect(t, prompter));
    const q = prompter.hostKeyQuestions[0]!;
    expect(q).toMatchObject({ host: '127.0.0.1', port: lab.sshd.port, knownHostsFile: kh });
    expect(lab.sshd.hostKeys.map((k) => k.fingerprint)).toContain(q.fingerprintSHA256);
    expect(fs.readFileSync(kh, 'utf8')).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${lab.sshd.port} ${q.keyType} `));
    await c.close();
  });

  it('--accept-new records the key (hashed when HashKnownHosts yes) and the next connect knows it', async () => {
    const kh = path.join(dir, 'kh-accept');
    const lines = [`IdentityFile ${lab.sshd.privateKeyPath}`, `UserKnownHostsFile ${kh}`, 'GlobalKnownHostsFile /dev/null', 'HashKnownHosts yes'];
    const t = await labTarget('acceptnew', lines, { 'accept-new': true });
    const c = await keep(connect(t, refusingPrompter));
    expect(c.hops()[0]!.hostKey).toMatchObject({ status: 'accepted-new', file: kh, line: 1 });
    const text = fs.readFileSync(kh, 'utf8');
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ (ssh-ed25519|ecdsa-sha2-nistp256) /);
    await c.close();
    // ssh itself agrees with what we wrote.
    const found = execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${lab.sshd.port}`, '-f', kh], { encoding: 'utf8' });
    expect(found).toContain('found: line 1');
    const again = await keep(connect(await labTarget('acceptnew2', lines), refusingPrompter));
    expect(again.hops()[0]!.hostKey).toMatchObject({ status: 'known', file: kh, line: 1 });
    await again.close();
  });
});

describe('exec', () => {
  it('sends argv through the one quoting function: spaces, quotes and $ arrive verbatim', async () => {
    const t = await labTarget('exec', [`IdentityFile ${lab.sshd.privateKeyPath}`, `UserKnownHostsFile ${lab.sshd.knownHostsPath}`]);
    const c = await keep(connect(t, refusingPrompter));
    const tricky = ["it's", 'two words', '$(touch /tmp/opsdeck-pwned)', '`id`', 'a;b', '"q"', ''];
    const r = await c.exec(['printf', '%s\\n', ...tricky]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(tricky.map((s) => `${s}\n`).join(''));
    expect(fs.existsSync('/tmp/opsdeck-pwned')).toBe(false);
    expect(await c.exec(['sh', '-c', 'cat; echo bye >&2; exit 7'], { stdin: Buffer.from('from stdin') })).toEqual({ code: 7, stdout: 'from stdin', stderr: 'bye\n' });
    // The streaming variant, for long outputs.
    const s = await c.execStream(['head', '-c', '3000000', '/dev/zero']);
    let n = 0;
    s.stdout.on('data', (d: Buffer) => (n += d.length));
    expect(await s.wait()).toEqual({ code: 0 });
    expect(n).toBe(3_000_000);
    await c.close();
  });
});

describe('local mode', () => {
  it('talks to the lab socket directly, with execa for commands', async () => {
    const t = await resolveTarget({}, { HOME: dir, DOCKER_HOST: lab.docker.host });
    expect(t).toMatchObject({ kind: 'local', socketPath: lab.docker.socketPath });
    const c = await keep(connect(t, refusingPrompter));
    expect(c.path).toBe('local');
    expect((await c.docker.ping()).toString()).toBe('OK');
    expect(await c.exec(['printf', '%s', "it's $HOME"])).toMatchObject({ code: 0, stdout: "it's $HOME" });
    expect((await c.exec(['/nonexistent/program'])).code).toBe(127);
    // The log stream's own GET goes to the local socket too: two framed lines, then the end.
    const body = await dockerLogApi(c).open('shop-api-1', { follow: false, tail: 2 }, new AbortController().signal);
    const parts: Buffer[] = [];
    for await (const chunk of body) parts.push(chunk as Buffer);
    const raw = Buffer.concat(parts);
    expect(raw[0]).toBe(1);
    expect(raw.toString('latin1').match(/"level":"/g)).toHaveLength(2);
    await expect(dockerLogApi(c).open('opsdeck-no-such-container', { follow: false }, new AbortController().signal)).rejects.toThrow(/^no such container: /);
    await c.close();
  });
});
