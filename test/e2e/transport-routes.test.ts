/**
 * Routes to the Docker API: ProxyJump through a second sshd of ours (22032), ProxyCommand with
 * the system ssh's -W, the dial-stdio fallback on an sshd with AllowStreamLocalForwarding no
 * (22033), and doctor's report of each, including a socket the login user may not use.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { main } from '../../src/cli/main.js';
import { connect } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget, type SshTarget } from '../../src/transport/target.js';
import type { DoctorReport } from '../../src/transport/diagnose.js';
import { startExtraSshd, tcpConnectionsTo, tmpDir, type ExtraSshd } from './transport-helpers.js';
import { composeInstalled } from '../support/compose.js';

let lab: LabInfo;
let dir: string;
let jump: ExtraSshd;
let noStreamLocal: ExtraSshd;
let cfg: string;

beforeAll(async () => {
  lab = await requireLab();
  dir = tmpDir('routes');
  jump = await startExtraSshd(lab, { port: 22032 });
  noStreamLocal = await startExtraSshd(lab, { port: 22033, config: ['AllowStreamLocalForwarding no'] });
  const kh = path.join(dir, 'known_hosts');
  fs.writeFileSync(kh, fs.readFileSync(lab.sshd.knownHostsPath, 'utf8') + jump.knownHostsLines() + noStreamLocal.knownHostsLines());
  cfg = path.join(dir, 'ssh_config');
  const common = [`  User ${lab.sshd.user}`, `  IdentityFile ${lab.sshd.privateKeyPath}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${kh}`, '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes'];
  fs.writeFileSync(
    cfg,
    [
      'Host viajump',
      '  HostName 127.0.0.1',
      `  Port ${lab.sshd.port}`,
      '  ProxyJump hop',
      'Host viacommand',
      '  HostName 127.0.0.1',
      `  Port ${lab.sshd.port}`,
      // The system ssh as the carrier, reading the lab's own ssh_config: `ssh -W` needs no nc.
      `  ProxyCommand ssh -F ${lab.sshd.sshConfigPath} -W %h:%p ${lab.sshd.hostAlias}`,
      'Host hop',
      '  HostName 127.0.0.1',
      `  Port ${jump.port}`,
      'Host nostreamlocal',
      '  HostName 127.0.0.1',
      `  Port ${noStreamLocal.port}`,
      'Host direct',
      '  HostName 127.0.0.1',
      `  Port ${lab.sshd.port}`,
      'Host *',
      ...common,
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await jump?.stop();
  await noStreamLocal?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function target(host: string): Promise<SshTarget> {
  const t = await resolveTarget({ host, 'ssh-config': cfg, socket: lab.docker.socketPath, config: path.join(dir, 'none.json') }, { HOME: dir });
  if (t.kind !== 'ssh') throw new Error('expected ssh');
  return t;
}

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await main(args, { stdout: out, stderr: err, stdin: new PassThrough(), env: { HOME: dir, PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  return { code, stdout, stderr };
}

describe('ProxyJump', () => {
  it('reaches the lab through a second sshd with one TCP connection from here, to the hop only', async () => {
    const t = await target('viajump');
    expect(t.via.kind).toBe('jump');
    const c = await connect(t, refusingPrompter);
    try {
      expect(c.hops().map((h) => h.hop)).toEqual([`deploy@127.0.0.1:${jump.port}`, `deploy@127.0.0.1:${lab.sshd.port}`]);
      expect(c.path).toBe('streamlocal');
      await Promise.all(Array.from({ length: 10 }, () => c.docker.listContainers({ all: true })));
      expect((await c.exec(['hostname'])).code).toBe(0);
      expect(tcpConnectionsTo(jump.port)).toBe(1);
      expect(tcpConnectionsTo(lab.sshd.port)).toBe(0);
    } finally {
      await c.close();
    }
  });
});

describe('ProxyCommand', () => {
  it('runs the command (ssh -W) and speaks SSH over its stdio', async () => {
    const t = await target('viacommand');
    expect(t.via).toEqual({ kind: 'command', command: `ssh -F ${lab.sshd.sshConfigPath} -W 127.0.0.1:${lab.sshd.port} ${lab.sshd.hostAlias}` });
    const c = await connect(t, refusingPrompter, { env: { ...process.env, HOME: dir } });
    try {
      expect(c.hops()[0]!.hostKey.status).toBe('known');
      expect((await c.docker.ping()).toString()).toBe('OK');
      // We opened no TCP connection ourselves: the ssh child did.
      expect(tcpConnectionsTo(lab.sshd.port)).toBe(0);
    } finally {
      await c.close();
    }
  });
});

describe('stream-local forwarding refused', () => {
  it('falls back to docker system dial-stdio over exec channels', async () => {
    const c = await connect(await target('nostreamlocal'), refusingPrompter);
    try {
      expect(c.path).toBe('dial-stdio');
      expect(c.fallbackReason).toMatch(/refused the stream-local channel .*dial-stdio reaches the daemon/);
      expect(c.state.getSnapshot().state).toMatchObject({ status: 'connected', path: 'dial-stdio' });
      const list = await c.docker.listContainers({ all: true });
      expect(list.length).toBeGreaterThanOrEqual(lab.containers.length);
      // More concurrent API calls than sshd's MaxSessions (10): queued, not refused.
      const many = await Promise.all(Array.from({ length: 14 }, () => c.docker.ping()));
      expect(many.map(String)).toEqual(Array(14).fill('OK'));
      expect(tcpConnectionsTo(noStreamLocal.port)).toBe(1);
    } finally {
      await c.close();
    }
  });
});

describe('doctor', () => {
  it('passes every step against the lab and names the path', async () => {
    const r = await runCli(['doctor', '--host', 'direct', '--ssh-config', cfg, '--socket', lab.docker.socketPath, '--json', '--config', path.join(dir, 'none.json')]);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'dns:pass',
      'tcp:pass',
      'handshake:pass',
      'host-key:pass',
      'auth:pass',
      'docker-socket:pass',
      'engine:pass',
      // The lab's "server" is this machine: compose passes exactly when a compose CLI is installed here.
      `compose:${composeInstalled() ? 'pass' : 'warn'}`,
      'path:pass',
    ]);
    expect(report.steps.find((s) => s.step === 'engine')!.detail).toContain(lab.docker.engineVersion);
    expect(report.steps.find((s) => s.step === 'path')!.detail).toMatch(/^streamlocal/);
    expect(r.code).toBe(0);
  });

  it('says dial-stdio when stream-local is refused', async () => {
    const r = await runCli(['doctor', '--host', 'nostreamlocal', '--ssh-config', cfg, '--socket', lab.docker.socketPath, '--config', path.join(dir, 'none.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ Docker API path +dial-stdio: 'docker system dial-stdio' over exec channels \(the server refused the stream-local channel .* dial-stdio reaches the daemon/);
  });

  it('explains a socket the login user may not use (docker group, root-equivalent)', async () => {
    // A unix socket owned by root, mode 0600, in a directory deploy can traverse.
    const sockDir = tmpDir('rootsock');
    const sock = path.join(sockDir, 'docker.sock');
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    fs.chmodSync(sock, 0o600);
    try {
      const r = await runCli(['doctor', '--host', 'direct', '--ssh-config', cfg, '--socket', sock, '--config', path.join(dir, 'none.json')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`✗ Docker socket +permission denied: deploy cannot use ${sock.replace(/[.]/g, '\\.')} \\(root:root srw-------\\)`));
      expect(r.stdout).toMatch(/fix: Add the login user to the group .* root-equivalent/);
      expect(r.stdout).toMatch(/- Docker Engine +skipped/);
      const missing = await runCli(['doctor', '--host', 'direct', '--ssh-config', cfg, '--socket', '/run/nothing-here.sock', '--config', path.join(dir, 'none.json')]);
      expect(missing.stdout).toMatch(/✗ Docker socket +no Docker socket at \/run\/nothing-here\.sock on the server/);
    } finally {
      server.close();
      fs.rmSync(sockDir, { recursive: true, force: true });
    }
  });

  it('reports an unreachable port at the TCP step with a hint', async () => {
    const r = await runCli(['doctor', '--host', 'deploy@127.0.0.1:22049', '--ssh-config', cfg, '--config', path.join(dir, 'none.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ TCP connection +deploy@127\.0\.0\.1:22049: connection refused/);
    expect(r.stdout).toMatch(/fix: Is sshd running/);
  });
});
