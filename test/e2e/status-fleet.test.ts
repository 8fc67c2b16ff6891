/**
 * `opsdeck status --group shop | --host a,b` through the bundle against the lab: every server on
 * its own connection, in parallel; one that is down, refuses, or never speaks is reported with
 * its state and costs the others nothing beyond --timeout. Exit 0 all well, 1 degraded, 2 a
 * server not reached.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLab, type LabInfo } from '../lab/api.js';
import { runBundle } from '../support/run-bundle.js';
import type { FleetReport } from '../../src/model/fleet-report.js';

const BUNDLE = path.resolve('dist/opsdeck.mjs');
const RUN_LIMIT_MS = 60_000;

let lab: LabInfo;
let dir: string;
let cfg: string;
let sshConfig: string;
let silent: net.Server;
const silentSockets = new Set<net.Socket>();

const env = () => ({ PATH: process.env.PATH ?? '', HOME: dir });

async function status(args: string[]) {
  const started = Date.now();
  const r = await runBundle(BUNDLE, ['status', '--config', cfg, '--ssh-config', sshConfig, ...args], env(), RUN_LIMIT_MS);
  return { ...r, ms: Date.now() - started };
}

async function statusJson(args: string[]) {
  const r = await status([...args, '--json']);
  expect(r.timedOut).toBe(false);
  expect(r.out.trimEnd().split('\n'), r.err).toHaveLength(1);
  return { ...r, report: JSON.parse(r.out) as FleetReport };
}

const server = (r: FleetReport, name: string) => {
  const s = r.servers.find((x) => x.server === name);
  if (!s) throw new Error(`${name} is missing from ${r.servers.map((x) => x.server).join(', ')}`);
  return s;
};

beforeAll(async () => {
  lab = await requireLab();
  expect(fs.existsSync(BUNDLE), 'npm run build && npm run bundle first').toBe(true);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-status-fleet-'));

  // A server that accepts TCP and never says a word: not even the SSH banner.
  silent = net.createServer((sock) => {
    silentSockets.add(sock);
    sock.on('close', () => silentSockets.delete(sock));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  const silentPort = (silent.address() as net.AddressInfo).port;

  // A port where nothing listens: bind one, note it, let it go.
  const closedPort = await new Promise<number>((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });

  // Our own copy of the lab's ssh_config, plus an alias for the same sshd whose known_hosts
  // pins another key: what a reinstalled (or impersonated) server looks like.
  const otherKey = path.join(dir, 'other_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-the-lab', '-f', otherKey], { stdio: 'ignore' });
  const otherPub = fs.readFileSync(`${otherKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const changedKnownHosts = path.join(dir, 'known_hosts_changed');
  fs.writeFileSync(changedKnownHosts, `[127.0.0.1]:${lab.sshd.port} ${otherPub}\n`);
  sshConfig = path.join(dir, 'ssh_config');
  fs.writeFileSync(
    sshConfig,
    fs.readFileSync(lab.sshd.sshConfigPath, 'utf8') +
      [
        '',
        'Host lab-changed-key',
        '  HostName 127.0.0.1',
        `  Port ${lab.sshd.port}`,
        `  User ${lab.sshd.user}`,
        `  IdentityFile ${lab.sshd.privateKeyPath}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${changedKnownHosts}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '',
      ].join('\n'),
  );

  const direct = (port: number) => ({ ssh: { host: '127.0.0.1', port, user: lab.sshd.user, identityFile: lab.sshd.privateKeyPath }, socket: lab.docker.socketPath });
  cfg = path.join(dir, 'config.json');
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      version: 1,
      profiles: {
        'web-1': { ssh: { host: lab.sshd.hostAlias }, socket: lab.docker.socketPath, group: 'shop' },
        'db-1': { ...direct(closedPort), group: 'shop' },
        silent: direct(silentPort),
        changed: { ssh: { host: 'lab-changed-key' }, socket: lab.docker.socketPath },
      },
    }),
  );
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((res) => (silent ? silent.close(() => res()) : res()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('status of a fleet', () => {
  it('--group: a server down is unreachable (exit 2) and the others come back in full', async () => {
    const { code, report } = await statusJson(['--group', 'shop']);
    expect(code).toBe(2);
    expect(report).toMatchObject({ schema: 1, group: 'shop', unreachable: ['db-1'] });
    expect(report.servers.map((s) => s.server)).toEqual(['db-1', 'web-1']);
    const db = server(report, 'db-1');
    expect(db).toMatchObject({ degraded: null, host: null, projects: [], faults: [] });
    expect(db.connection).toMatchObject({ state: 'unreachable', hostKeyFingerprint: null });
    expect(db.connection.error).toMatch(/connection refused/);
    const web = server(report, 'web-1');
    expect(web.connection).toMatchObject({ state: 'connected', error: null });
    expect(lab.sshd.hostKeys.map((k) => k.fingerprint)).toContain(web.connection.hostKeyFingerprint);
    expect(web.degraded).toBe(true);
    expect(web.host?.engineVersion).toBe(lab.docker.engineVersion);
    expect(web.projects.find((p) => p.name === 'shop')?.services.length).toBeGreaterThan(3);
    expect(web.faults.map((f) => f.service)).toContain('mailer');
    expect(report.degraded).toBe(true);
  });

  it('every server reached and one degraded: exit 1; a single --host keeps the single-server report', async () => {
    // Two names for the lab's one sshd: two connections, both reached.
    const fleet = await statusJson(['--host', `web-1,${lab.sshd.hostAlias}`, '--socket', lab.docker.socketPath]);
    expect(fleet.code).toBe(1);
    expect(fleet.report).toMatchObject({ group: null, degraded: true, unreachable: [] });
    expect(fleet.report.servers.map((s) => [s.server, s.connection.state])).toEqual([['web-1', 'connected'], [lab.sshd.hostAlias, 'connected']]);
    const single = await statusJson(['--host', 'web-1']);
    expect(single.code).toBe(1);
    expect(single.report).toMatchObject({ schema: 1, server: 'web-1', degraded: true });
    expect(single.report).not.toHaveProperty('servers');
    expect(single.report).not.toHaveProperty('connection');
  });

  it('a changed host key is refused: host-key-changed, the offered key named, exit 2', async () => {
    const { code, report } = await statusJson(['--host', 'web-1,changed']);
    expect(code).toBe(2);
    expect(report.unreachable).toEqual(['changed']);
    const changed = server(report, 'changed');
    expect(changed.connection.state).toBe('host-key-changed');
    expect(changed.connection.error).toMatch(/HOST KEY CHANGED/);
    expect(changed.connection.hostKeyFingerprint).toBe(lab.sshd.hostKeys.find((k) => k.type === 'ssh-ed25519')!.fingerprint);
    expect(server(report, 'web-1').connection.state).toBe('connected');
  });

  it('--timeout: a server that never speaks is a timeout, and the others are not held up', async () => {
    const { code, report, ms } = await statusJson(['--host', 'silent,web-1', '--timeout', '3']);
    expect(code).toBe(2);
    expect(report.unreachable).toEqual(['silent']);
    expect(server(report, 'silent').connection).toMatchObject({ state: 'timeout', error: 'no answer within 3s', hostKeyFingerprint: null });
    expect(server(report, 'silent').connection.elapsedMs).toBeGreaterThanOrEqual(3000);
    expect(server(report, 'web-1').connection.state).toBe('connected');
    expect(server(report, 'web-1').projects.length).toBeGreaterThan(0);
    // The process ends promptly too: nothing still open keeps it waiting for the silent server.
    expect(ms).toBeLessThan(3000 + 4000);
  });

  it('the plain table lists every server, its state and the faulted services under it', async () => {
    const r = await status(['--host', 'web-1,db-1,changed,silent', '--timeout', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('');
    expect(r.out).not.toContain('\u001b');
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVER\s+STATE\s+FAULTS/);
    expect(lines.find((l) => l.startsWith('web-1 '))).toMatch(/^web-1\s+connected\s+\d+\s/);
    expect(lines.find((l) => l.startsWith('db-1 '))).toMatch(/^db-1\s+unreachable\s+—\s+.*connection refused/);
    expect(lines.find((l) => l.startsWith('changed '))).toMatch(/^changed\s+HOST KEY CHANGED\s/);
    expect(lines.find((l) => l.startsWith('silent '))).toMatch(/^silent\s+timeout\s+—\s+no answer within 3s/);
    expect(lines).toContain('    ! shop/mailer  restart-loop');
    expect(lines.at(-2)).toBe('NOT REACHED: db-1 (unreachable), changed (HOST KEY CHANGED), silent (timeout)');
    expect(lines.at(-1)).toMatch(/^DEGRADED: web-1 \(\d+ faulted\)$/);
  });
});
