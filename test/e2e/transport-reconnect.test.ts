/**
 * Staying connected to the lab's real sshd: one TCP connection however many streams and calls,
 * and sshd stopped (sessions dropped, as in a crash) then started again mid-session: the store
 * shows "reconnecting, attempt N, next in Ns", calls made meanwhile fail fast with a
 * ConnectionLostError, and after 'reconnected' an events stream resumes and sees new events.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDocker, requireLab, startSshd, stopSshd, type LabInfo } from '../lab/api.js';
import { describeConnectionState, type ConnectionState } from '../../src/transport/connection-store.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { ConnectionLostError } from '../../src/transport/connect-errors.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { tcpConnectionsTo, waitUntil } from './transport-helpers.js';

let lab: LabInfo;
let conn: ServerConnection | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (r: unknown) => unhandled.push(r);

beforeAll(async () => {
  lab = await requireLab();
  process.on('unhandledRejection', onUnhandled);
  const t = await resolveTarget({ host: lab.sshd.hostAlias, 'ssh-config': lab.sshd.sshConfigPath, socket: lab.docker.socketPath, config: '/nonexistent/opsdeck.json' }, { HOME: '/nonexistent' });
  conn = await connect(t, refusingPrompter);
});
afterAll(async () => {
  // Whatever happened, leave the lab's sshd running for the next test file.
  await startSshd();
  await conn?.close();
  process.off('unhandledRejection', onUnhandled);
});

/** Follow /events, collecting "type:action:name" strings. */
function follow(c: ServerConnection, since: number): Promise<{ stream: Readable; seen: string[] }> {
  return c.docker.getEvents({ since }).then((s) => {
    const stream = s as unknown as Readable;
    const seen: string[] = [];
    let buf = '';
    stream.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const e = JSON.parse(line) as { Type: string; Action: string; Actor: { ID: string } };
          seen.push(`${e.Type}:${e.Action}:${e.Actor.ID}`);
        } catch {
          /* partial line */
        }
      }
    });
    // A dropped connection ends the stream with an error: expected, and must not go unhandled.
    stream.on('error', () => undefined);
    return { stream, seen };
  });
}

describe('one connection', () => {
  it('carries many API calls, streams and execs over exactly one TCP connection', async () => {
    const c = conn!;
    const streams = await Promise.all([follow(c, Math.floor(Date.now() / 1000)), follow(c, Math.floor(Date.now() / 1000))]);
    const containers = await c.docker.listContainers();
    const logs = (await c.docker.getContainer(containers[0]!.Id).logs({ follow: true, stdout: true, stderr: true, tail: 1 })) as unknown as Readable;
    logs.on('error', () => undefined);
    await Promise.all([
      ...Array.from({ length: 20 }, () => c.docker.listContainers({ all: true })),
      ...containers.slice(0, 5).map((k) => c.docker.getContainer(k.Id).stats({ stream: false, 'one-shot': true } as never)),
      ...Array.from({ length: 5 }, (_, i) => c.exec(['echo', String(i)])),
    ]);
    expect(tcpConnectionsTo(lab.sshd.port)).toBe(1);
    for (const s of streams) s.stream.destroy();
    logs.destroy();
  });
});

describe('latency', () => {
  it('a multi-packet answer is not held back by sshd Nagle + our delayed ACK (~40 ms each without the nudge)', async () => {
    const c = conn!;
    await c.docker.listContainers({ all: true });
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const list = await c.docker.listContainers({ all: true });
      times.push(performance.now() - t0);
      expect(JSON.stringify(list).length).toBeGreaterThan(8000);
    }
    times.sort((a, b) => a - b);
    expect(times[7]!).toBeLessThan(35);
  });
});

describe('idle keep-alive channels', () => {
  it('a channel the daemon closed while idle in the pool is dropped, not reused (no hang)', async () => {
    // A stand-in daemon on a unix socket the deploy user can reach, closing idle connections after 100 ms.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-idle-'));
    fs.chmodSync(dir, 0o755);
    const sock = path.join(dir, 'd.sock');
    let accepted = 0;
    const server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end('OK');
    });
    server.keepAliveTimeout = 100;
    server.on('connection', () => accepted++);
    await new Promise<void>((r) => server.listen(sock, r));
    fs.chmodSync(sock, 0o666);
    const t = await resolveTarget({ host: lab.sshd.hostAlias, 'ssh-config': lab.sshd.sshConfigPath, socket: sock, config: '/nonexistent/opsdeck.json' }, { HOME: '/nonexistent' });
    const c = await connect(t, refusingPrompter);
    try {
      expect(String(await c.docker.ping())).toBe('OK');
      const before = accepted;
      await new Promise((r) => setTimeout(r, 400));
      const second = await Promise.race([c.docker.ping().then(String), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
      expect(second).toBe('OK');
      expect(accepted).toBe(before + 1);
    } finally {
      await c.close();
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sshd stopped and started mid-session', () => {
  it('reconnects with backoff and resumes an events stream', async () => {
    const c = conn!;
    const states: ConnectionState[] = [];
    const unsub = c.state.subscribe(() => states.push(c.state.getSnapshot().state));
    let events = await follow(c, Math.floor(Date.now() / 1000));
    let resumed = 0;
    const off = c.onReconnected(() => {
      resumed++;
      // What a store does: start its stream again from where it stopped.
      void follow(c, Math.floor(Date.now() / 1000) - 1).then((e) => {
        events = e;
      });
    });

    await stopSshd({ dropSessions: true });
    await waitUntil('reconnecting', () => c.state.getSnapshot().state.status === 'reconnecting', 10_000);
    const first = c.state.getSnapshot().state;
    expect(first).toMatchObject({ status: 'reconnecting', attempt: 1, nextInMs: 1000 });
    expect(describeConnectionState(first, first.since)).toBe('reconnecting, attempt 1, next in 1s');

    // While down, calls fail fast instead of hanging.
    await expect(c.exec(['true'])).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(c.docker.ping()).rejects.toThrow();

    // Attempt 1 finds sshd still down: attempt 2 waits twice as long.
    await waitUntil('attempt 2', () => {
      const s = c.state.getSnapshot().state;
      return s.status === 'reconnecting' && s.attempt === 2;
    });
    expect(c.state.getSnapshot().state).toMatchObject({ attempt: 2, nextInMs: 2000 });
    expect((c.state.getSnapshot().state as { lastError?: string }).lastError).toMatch(/connection refused/);

    await startSshd();
    await waitUntil('connected again', () => c.state.getSnapshot().state.status === 'connected', 20_000);
    expect(c.state.getSnapshot()).toMatchObject({ reconnects: 1, state: { status: 'connected', path: 'streamlocal' } });
    expect(resumed).toBe(1);
    await waitUntil('events stream resumed', () => events.stream.readable && !events.stream.destroyed, 5000);

    // The resumed stream sees something that happens now.
    const name = `opsdeck-e2e-reconnect-${process.pid}-${Date.now()}`;
    await labDocker(lab).createVolume({ Name: name });
    try {
      await waitUntil('volume event through the resumed stream', () => events.seen.includes(`volume:create:${name}`), 10_000);
    } finally {
      await labDocker(lab).getVolume(name).remove();
    }
    expect((await c.exec(['echo', 'back'])).stdout).toBe('back\n');
    expect(tcpConnectionsTo(lab.sshd.port)).toBe(1);
    const seq = states.map((s) => (s.status === 'reconnecting' ? `reconnecting#${s.attempt}` : s.status));
    expect(seq.slice(0, 2)).toEqual(['reconnecting#1', 'reconnecting#2']);
    expect(seq[seq.length - 1]).toBe('connected');
    expect(unhandled).toEqual([]);
    events.stream.destroy();
    off();
    unsub();
  });
});
