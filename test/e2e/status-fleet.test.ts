/**
 * `opsdeck status --group shop | --host a,b` through the bundle against the lab's three servers
 * (web-1 with faults by design, db-1 and staging-1 healthy): every server on its own
 * connection, in parallel; one that is down, refuses, or never speaks is reported with its state
 * and costs the others nothing beyond --timeout. Exit 0 all well, 1 degraded, 2 a server not
 * reached.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labServer, labServers, requireLab, whileServerSshdStopped, writeFleetProfiles, type LabServer } from '../lab/api.js';
import { runBundle } from '../support/run-bundle.js';
import type { FleetReport } from '../../src/model/fleet-report.js';

const BUNDLE = path.resolve('dist/opsdeck.mjs');
const RUN_LIMIT_MS = 60_000;

let servers: LabServer[];
let dir: string;
let cfg: string;
let sshConfig: string;
let silent: net.Server | undefined;
const silentSockets = new Set<net.Socket>();

async function status(args: string[], opts: { sshConfig?: string } = {}) {
  const started = Date.now();
  const r = await runBundle(BUNDLE, ['status', '--config', cfg, '--ssh-config', opts.sshConfig ?? sshConfig, ...args], { PATH: process.env.PATH ?? '', HOME: dir }, RUN_LIMIT_MS);
  return { ...r, ms: Date.now() - started };
}

async function statusJson(args: string[], opts: { sshConfig?: string } = {}) {
  const r = await status([...args, '--json'], opts);
  expect(r.timedOut).toBe(false);
  expect(r.out.trimEnd().split('\n'), r.err).toHaveLength(1);
  return { ...r, report: JSON.parse(r.out) as FleetReport };
}

const entry = (r: FleetReport, name: string) => {
  const s = r.servers.find((x) => x.server === name);
  if (!s) throw new Error(`${name} is missing from ${r.servers.map((x) => x.server).join(', ')}`);
  return s;
};

/** Reached, read in full, identified by one of its own host keys. */
function expectReached(r: FleetReport, name: LabServer['name']) {
  const s = entry(r, name);
  expect(s.connection).toMatchObject({ state: 'connected', error: null });
  expect(labServer(name).hostKeyFingerprints).toContain(s.connection.hostKeyFingerprint);
  expect(s.host?.engineVersion).toMatch(/^\d+\.\d+/);
  expect(s.projects.length).toBeGreaterThan(0);
  return s;
}

beforeAll(async () => {
  await requireLab();
  servers = labServers();
  expect(servers.map((s) => s.name)).toEqual(['web-1', 'db-1', 'staging-1']);
  expect(fs.existsSync(BUNDLE), 'npm run build && npm run bundle first').toBe(true);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-status-fleet-'));
  sshConfig = servers[0]!.sshConfigPath;

  // A server that accepts TCP and never says a word, not even the SSH banner.
  silent = net.createServer((sock) => {
    silentSockets.add(sock);
    sock.on('close', () => silentSockets.delete(sock));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((res) => silent!.listen(0, '127.0.0.1', res));
  const silentPort = (silent.address() as net.AddressInfo).port;

  cfg = writeFleetProfiles(path.join(dir, 'config.json'));
  const store = JSON.parse(fs.readFileSync(cfg, 'utf8')) as { profiles: Record<string, unknown> };
  // Not in the group: only named with --host.
  store.profiles.silent = { ssh: { host: '127.0.0.1', port: silentPort, user: 'deploy' }, socket: servers[0]!.socketPath };
  fs.writeFileSync(cfg, JSON.stringify(store), { mode: 0o600 });
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((res) => (silent ? silent.close(() => res()) : res()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('status of the lab fleet', () => {
  it('--group shop, all three up: each in full under its profile name; web-1 degraded, exit 1', async () => {
    const { code, report } = await statusJson(['--group', 'shop']);
    expect(code).toBe(1);
    expect(report).toMatchObject({ schema: 1, group: 'shop', degraded: true, unreachable: [] });
    expect(report.servers.map((s) => s.server)).toEqual(['db-1', 'staging-1', 'web-1']);
    expect(expectReached(report, 'web-1')).toMatchObject({ degraded: true });
    expect(entry(report, 'web-1').faults.map((f) => f.service)).toContain('mailer');
    expect(expectReached(report, 'db-1')).toMatchObject({ degraded: false, faults: [] });
    expect(expectReached(report, 'staging-1')).toMatchObject({ degraded: false, faults: [] });
    // Each its own server: three different host keys.
    expect(new Set(report.servers.map((s) => s.connection.hostKeyFingerprint)).size).toBe(3);
  });

  it('only the healthy servers: exit 0', async () => {
    const { code, report } = await statusJson(['--host', 'db-1,staging-1']);
    expect(code).toBe(0);
    expect(report).toMatchObject({ group: null, degraded: false, unreachable: [] });
    expect(report.servers.map((s) => s.server)).toEqual(['db-1', 'staging-1']);
  });

  it('a single --host is the single-server report, unchanged', async () => {
    const { code, report } = await statusJson(['--host', 'db-1']);
    expect(code).toBe(0);
    expect(report).toMatchObject({ schema: 1, server: 'db-1', degraded: false });
    expect(report).not.toHaveProperty('servers');
    expect(report).not.toHaveProperty('connection');
  });

  it("db-1's sshd stopped: db-1 unreachable, the others' full results, exit 2", async () => {
    const { code, report } = await whileServerSshdStopped('db-1', () => statusJson(['--group', 'shop']));
    expect(code).toBe(2);
    expect(report.unreachable).toEqual(['db-1']);
    expect(report.degraded).toBe(true);
    const db = entry(report, 'db-1');
    expect(db).toMatchObject({ schema: 1, degraded: null, faults: [], host: null, projects: [] });
    expect(db.connection).toMatchObject({ state: 'unreachable', hostKeyFingerprint: null });
    expect(db.connection.error).toMatch(/127\.0\.0\.1:\d+: connection refused/);
    expectReached(report, 'web-1');
    expectReached(report, 'staging-1');
  });

  it('a server whose known_hosts pins another key is refused: host-key-changed, the offered key named, exit 2', async () => {
    const staging = labServer('staging-1');
    const otherKey = path.join(dir, 'other_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'not-staging', '-f', otherKey], { stdio: 'ignore' });
    const otherPub = fs.readFileSync(`${otherKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = path.join(dir, 'known_hosts.staging-1');
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${staging.port} ${otherPub}\n`);
    const ownConfig = path.join(dir, 'ssh_config');
    const text = fs.readFileSync(staging.sshConfigPath, 'utf8');
    expect(text).toContain(staging.knownHostsPath);
    fs.writeFileSync(ownConfig, text.split(staging.knownHostsPath).join(knownHosts));

    const { code, report } = await statusJson(['--group', 'shop'], { sshConfig: ownConfig });
    expect(code).toBe(2);
    expect(report.unreachable).toEqual(['staging-1']);
    const s = entry(report, 'staging-1');
    expect(s).toMatchObject({ degraded: null, host: null, projects: [] });
    expect(s.connection.state).toBe('host-key-changed');
    expect(s.connection.error).toMatch(/^HOST KEY CHANGED/);
    // The key the server really has, which the operator compares with what they expect.
    expect(staging.hostKeyFingerprints).toContain(s.connection.hostKeyFingerprint);
    expectReached(report, 'web-1');
    expectReached(report, 'db-1');
  });

  it('--timeout: a server that never speaks is a timeout, and the others are not held up', async () => {
    const { code, report, ms } = await statusJson(['--host', 'web-1,silent,db-1', '--timeout', '3']);
    expect(code).toBe(2);
    expect(report.unreachable).toEqual(['silent']);
    expect(entry(report, 'silent').connection).toMatchObject({ state: 'timeout', error: 'no answer within 3s', hostKeyFingerprint: null });
    expect(entry(report, 'silent').connection.elapsedMs).toBeGreaterThanOrEqual(3000);
    expectReached(report, 'web-1');
    expectReached(report, 'db-1');
    // The process itself ends promptly: the silent server's open socket does not keep it.
    expect(ms).toBeLessThan(3000 + 4000);
  });

  it('the plain table lists every server, its state and the faulted services under it', async () => {
    const r = await status(['--host', 'web-1,db-1,staging-1,silent', '--timeout', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('');
    expect(r.out).not.toContain('\u001b');
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVER\s+STATE\s+FAULTS\s+LOAD\s+MEM\s+DISK\s+ENGINE\s+ERROR$/);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `));
    expect(row('web-1')).toMatch(/^web-1\s+connected\s+[1-9]\d*\s+\d+\.\d\d\s+[\d.]+%\s+[\d.]+%\s+\d+\.\d+/);
    expect(row('db-1')).toMatch(/^db-1\s+connected\s+0\s/);
    expect(row('staging-1')).toMatch(/^staging-1\s+connected\s+0\s/);
    expect(row('silent')).toMatch(/^silent\s+timeout\s+—(\s+—){4}\s+no answer within 3s$/);
    const web = lines.indexOf(row('web-1')!);
    expect(lines[web + 1]).toMatch(/^ {4}! shop\/\S+ {2}\S/);
    expect(lines).toContain('    ! shop/mailer  restart-loop');
    expect(lines.slice(-2)).toEqual(['NOT REACHED: silent (timeout)', expect.stringMatching(/^DEGRADED: web-1 \(\d+ faulted\)$/)]);
  });
});
