/**
 * The fleet view on a real pseudo-terminal against the lab's three servers (web-1, db-1,
 * staging-1), each its own sshd and dockerd:
 * - all three connect over one SSH connection each, and the overview fills in;
 * - db-1's sshd stopped (sessions dropped, as in a crash): its row turns stale and says since
 *   when, a notice says it dropped, and it comes back by itself once sshd is back;
 * - a service failing on staging-1 is in the notification area within 2 s of its exit;
 * - db-1 behind a changed host key is refused, never logs in, and is not retried.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labServers, requireLab, serverDocker, startServerSshd, whileServerSshdStopped, writeFleetProfiles, type LabServer } from '../lab/api.js';
import { shippedNodeFlags } from '../../scripts/bundle.mjs';
import { descendantsOf } from './fault-helpers.js';
import { labPaths, serverPaths } from '../lab/paths.js';
import { interactiveEnv, startOnPty, waitForScreen, type PtyTerminal } from '../support/pty-terminal.js';
import { socketInodes, tcpTable } from '../support/proc-net-tcp.js';

const BUNDLE = fileURLToPath(new URL('../../dist/opsdeck.mjs', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-fleet-tui-'));
let servers: LabServer[];
let profiles: string;

beforeAll(async () => {
  await requireLab();
  servers = labServers();
  profiles = writeFleetProfiles(path.join(dir, 'profiles.json'));
});

afterAll(async () => {
  // A failed test must not leave a lab server without its sshd.
  for (const s of servers ?? []) await startServerSshd(s.name);
  fs.rmSync(dir, { recursive: true, force: true });
});

function openFleet(sshConfig = servers[0]!.sshConfigPath, extra: string[] = []): PtyTerminal {
  const argv = [process.execPath, ...(shippedNodeFlags() as string[]), BUNDLE, '--config', profiles, '--ssh-config', sshConfig, '--group', 'shop', ...extra];
  return startOnPty(argv, { cols: 200, rows: 50, env: interactiveEnv({ OPSDECK_CONFIG: profiles }) });
}

const rowOf = (screen: string, name: string) => screen.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
const allLoaded = (s: string) => servers.every((v) => /^\S+ +connected \S+ +\d+ /.test(rowOf(s, v.name)));

/** Established TCP connections of the app (and its children) to each lab sshd port. */
function connectionsByPort(pid: number): Map<number, number> {
  const inodes = new Set<string>();
  for (const p of [pid, ...descendantsOf(pid)]) for (const i of socketInodes(p)) inodes.add(i);
  const out = new Map<number, number>();
  for (const r of tcpTable().values()) if (r.state === '01' && inodes.has(r.inode)) out.set(r.remotePort, (out.get(r.remotePort) ?? 0) + 1);
  return out;
}

/** The node process under `script`: the one holding the connections. */
function appPid(t: PtyTerminal): number {
  const pids = [t.child.pid!, ...descendantsOf(t.child.pid!)];
  const node = pids.find((p) => {
    try {
      return fs.readlinkSync(`/proc/${p}/exe`) === process.execPath;
    } catch {
      return false;
    }
  });
  if (node === undefined) throw new Error('the app process is gone');
  return node;
}

describe('the fleet view against three lab servers', () => {
  it('shows every server over one connection each, turns a dropped one stale, and has it back by itself', async () => {
    const t = openFleet();
    const until = (what: string, ok: (s: string) => boolean, ms?: number) => waitForScreen(t, what, ok, ms);
    try {
      const first = await until('the overview never filled in', (s) => s.includes('3 servers · 3 connected') && allLoaded(s));
      for (const v of servers) expect(rowOf(first, v.name)).toContain(v.hostKeyFingerprints[0]!.slice(0, 19));
      const pid = appPid(t);
      const conns = connectionsByPort(pid);
      expect(servers.map((v) => conns.get(v.port) ?? 0)).toEqual([1, 1, 1]);

      const db = servers.find((v) => v.name === 'db-1')!;
      await whileServerSshdStopped('db-1', async () => {
        const down = await until('db-1 never turned stale', (s) => /stale since \d\d:\d\d/.test(rowOf(s, 'db-1')) && /reconnecting|unreachable/.test(rowOf(s, 'db-1')), 30_000);
        expect(down).toMatch(/db-1 +dropped: reconnecting/);
        expect(down).toContain('3 servers · 2 connected');
        // The other two stay current.
        expect(rowOf(down, 'web-1')).not.toContain('stale');
        expect(rowOf(down, 'staging-1')).not.toContain('stale');
      }, { dropSessions: true });
      // Nothing pressed: the backoff brings it back (at most 10 s between tries).
      const back = await until('db-1 did not come back by itself', (s) => s.includes('3 connected') && !rowOf(s, 'db-1').includes('stale'), 40_000);
      expect(back).not.toMatch(/db-1 +dropped/);
      // Still exactly one connection to each server, the new one to db-1 included.
      const after = connectionsByPort(pid);
      expect(servers.map((v) => after.get(v.port) ?? 0)).toEqual([1, 1, 1]);
      expect(db.port).toBeGreaterThan(0);
    } finally {
      t.child.kill('SIGKILL');
    }
  }, 150_000);

  it('puts a service that fails on one server in the notification area within 2 s', async () => {
    const docker = serverDocker('staging-1');
    const images = await docker.listImages();
    const image = images.flatMap((i) => i.RepoTags ?? []).find((tag: string) => tag.includes('busybox')) ?? images[0]!.RepoTags![0]!;
    // Its own service name each run: exits of an earlier run's canary would read as a restart loop.
    const service = `canary${process.pid}x${Date.now() % 100000}`;
    const name = `shop-${service}-1`;
    const t = openFleet();
    const until = (what: string, ok: (s: string) => boolean, ms?: number) => waitForScreen(t, what, ok, ms);
    const c = await docker.createContainer({
      name,
      Image: image,
      // Exits with an error of its own once told to (a kill would read as an operator's stop).
      Cmd: ['/bin/sh', '-c', 'while [ ! -e /tmp/fail ]; do sleep 0.1; done; exit 3'],
      Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': service, 'com.docker.compose.container-number': '1', 'com.docker.compose.oneoff': 'False' },
      HostConfig: { NetworkMode: 'none', Memory: 16 * 1024 * 1024 },
    });
    try {
      await c.start();
      await until('the overview never filled in', (s) => s.includes('3 connected') && allLoaded(s));
      // The fault: the service's process ends with an error, now.
      const exec = await c.exec({ Cmd: ['touch', '/tmp/fail'] });
      await exec.start({ Detach: true });
      for (let i = 0; i < 50 && (await c.inspect()).State.Running; i++) await new Promise((r) => setTimeout(r, 50));
      const info = await c.inspect();
      const exitedAt = Date.parse(info.State.FinishedAt);
      await until('the fault never reached the notices', (s) => s.includes(`staging-1  shop/${service} exited with an error`), 10_000);
      const seenAt = Date.now();
      console.log(`fault to notice: ${seenAt - exitedAt} ms`);
      expect(seenAt - exitedAt).toBeLessThan(2000);
      const s = (await t.screen()).join('\n');
      expect(s).toContain(`✗ shop/${service}  exited non-zero`);
    } finally {
      t.child.kill('SIGKILL');
      await c.remove({ force: true }).catch(() => undefined);
    }
  }, 90_000);

  it('refuses a server whose host key changed, never logs in to it, and does not retry it', async () => {
    const db = servers.find((v) => v.name === 'db-1')!;
    // Pin another key for db-1's address: the key the server shows is then "changed".
    const other = path.join(dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const pub = fs.readFileSync(`${other}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
    const known = path.join(dir, 'db_known_hosts');
    fs.writeFileSync(known, `[127.0.0.1]:${db.port} ${pub}\n`);
    const config = fs.readFileSync(db.sshConfigPath, 'utf8');
    // Only db-1's block: its UserKnownHostsFile now names the file with the other key.
    const blocks = config.split(/\n(?=Host )/);
    const patched = blocks.map((b) => (b.startsWith(`Host ${db.hostAlias}\n`) ? b.replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${known}`) : b)).join('\n');
    expect(patched).not.toBe(config);
    const sshConfig = path.join(dir, 'ssh_config');
    fs.writeFileSync(sshConfig, patched);
    const log = serverPaths(labPaths(), 'db-1').sshdLog;
    const acceptedBefore = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('Accepted publickey')).length;
    const t = openFleet(sshConfig);
    const until = (what: string, ok: (s: string) => boolean, ms?: number) => waitForScreen(t, what, ok, ms);
    try {
      const s = await until('db-1 was not refused', (x) => rowOf(x, 'db-1').includes('host key changed (refused)') && x.includes('2 connected'), 30_000);
      expect(s).toMatch(/db-1 +host key changed: refused/);
      // Nothing after it: no countdown, no second try.
      await new Promise((r) => setTimeout(r, 4000));
      const later = (await t.screen()).join('\n');
      expect(rowOf(later, 'db-1')).toContain('host key changed (refused)');
      expect(rowOf(later, 'db-1')).not.toMatch(/#\d|next try/);
      const acceptedAfter = fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('Accepted publickey')).length;
      expect(acceptedAfter).toBe(acceptedBefore);
    } finally {
      t.child.kill('SIGKILL');
    }
  }, 90_000);
});
