import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { ConnectError, HostKeyChangedError } from '../../src/transport/connect-errors.js';
import { classifyFailure, connectedOutcome, failedOutcome, fleetExitCode, fleetReport, hopFingerprint, timeoutOutcome, unreadOutcome } from '../../src/model/fleet-report.js';
import type { StatusReport } from '../../src/model/status-report.js';
import type { HopInfo } from '../../src/transport/ssh-session.js';

const NOW = Date.UTC(2025, 4, 6, 14, 2, 0);

/** A server's status report as plain data; `faults` makes it degraded. */
function report(server: string, opts: { faults?: StatusReport['faults']; engine?: string; disk?: number; budget?: number | null } = {}): StatusReport {
  const faults = opts.faults ?? [];
  return {
    schema: 1,
    server,
    generatedAt: new Date(NOW).toISOString(),
    degraded: faults.length > 0,
    faults,
    host: {
      engineVersion: opts.engine ?? '20.10.24',
      apiVersion: '1.41',
      cpus: 4,
      memTotalBytes: 8 * 1024 ** 3,
      uptimeSec: 3600,
      load: [0.51, 0.4, 0.32],
      disk: { usedBytes: 22e9, totalBytes: 100e9, percent: opts.disk ?? 22 },
      memoryBudget: opts.budget === null ? null : { limitsTotalBytes: 4 * 1024 ** 3, percent: opts.budget ?? 50, unlimitedContainers: 0, overcommitted: (opts.budget ?? 50) > 100 },
    },
    projects: [],
  };
}

function hop(fingerprint: string, name = 'deploy@web-1'): HopInfo {
  return { hop: name, serverVersion: 'SSH-2.0-OpenSSH_9.2', hostKey: { status: 'known', keyType: 'ssh-ed25519', fingerprint, file: '/root/.ssh/known_hosts', line: 1 }, auth: 'publickey' };
}

const changed = () =>
  new HostKeyChangedError(
    'HOST KEY CHANGED for [127.0.0.1]:2223 (root@127.0.0.1:2223): known_hosts expects ssh-ed25519 SHA256:old+key/AAA (known_hosts:1), the server offered SHA256:new+Key/x9Z. Refusing to connect: someone may be intercepting the connection, or the server was reinstalled.',
    'remove line 1 of known_hosts',
  );

describe('classifyFailure', () => {
  it('maps each connect step to a fleet state', () => {
    expect(classifyFailure(new ConnectError('tcp', 'root@db-1:22: connection refused')).state).toBe('unreachable');
    expect(classifyFailure(new ConnectError('dns', 'x: cannot resolve the host name')).state).toBe('unreachable');
    expect(classifyFailure(new ConnectError('handshake', 'x: the SSH handshake did not finish in time')).state).toBe('unreachable');
    expect(classifyFailure(new ConnectError('proxy', 'x: ProxyCommand exited')).state).toBe('unreachable');
    expect(classifyFailure(new ConnectError('auth', 'x: the server refused every login method')).state).toBe('auth-failed');
    expect(classifyFailure(new ConnectError('docker', 'x: the Docker socket does not answer')).state).toBe('error');
    expect(classifyFailure(new ConnectError('host-key', 'x: unknown host key, refused')).state).toBe('error');
    expect(classifyFailure(new Error('boom')).state).toBe('error');
    expect(classifyFailure('a string').error).toBe('a string');
  });

  it('a changed host key names the key the server offered', () => {
    expect(classifyFailure(changed())).toEqual({ state: 'host-key-changed', error: changed().message, hostKeyFingerprint: 'SHA256:new+Key/x9Z' });
  });

  it('the locked-server error (sshd down, the initramfs waiting for its passphrase) is locked', () => {
    const locked = new UserError('db-1 is waiting for its disk passphrase (Dropbear on port 2222)', { hint: 'Unlock its disks with: opsdeck unlock --host db-1', exitCode: 2 });
    expect(classifyFailure(locked)).toMatchObject({ state: 'locked', error: 'db-1 is waiting for its disk passphrase (Dropbear on port 2222)' });
    expect(classifyFailure(new UserError('something else', { hint: 'Try again' })).state).toBe('error');
  });

  it('errors are one sanitised line', () => {
    const c = classifyFailure(new ConnectError('handshake', 'x: banner \u001b]0;pwned\u0007said\nhi'));
    expect(c.error).not.toMatch(/[\u0000-\u001f]/);
    expect(c.error).toContain('said hi');
  });
});

describe('fleetReport', () => {
  const web = connectedOutcome('web-1', report('opsdeck-lab', { faults: [{ project: 'shop', service: 'mailer', reasons: ['restart-loop'] }] }), [hop('SHA256:jump', 'jump'), hop('SHA256:web')], 812.4);
  const db = failedOutcome('db-1', new ConnectError('tcp', 'root@127.0.0.1:2223: connection refused'), 3);
  const staging = connectedOutcome('staging-1', report('staging'), [hop('SHA256:stg')], 500);

  it('keeps every server in fleet order, a reached one with its full report under the fleet name', () => {
    const r = fleetReport('shop', [web, db, staging], NOW);
    expect(r.schema).toBe(1);
    expect(r.generatedAt).toBe(new Date(NOW).toISOString());
    expect(r.group).toBe('shop');
    expect(r.servers.map((s) => s.server)).toEqual(['web-1', 'db-1', 'staging-1']);
    expect(r.servers[0]).toMatchObject({ degraded: true, faults: [{ service: 'mailer' }], host: { engineVersion: '20.10.24' } });
    expect(r.servers[0]!.connection).toEqual({ state: 'connected', error: null, hostKeyFingerprint: 'SHA256:web', elapsedMs: 812 });
  });

  it('a server not reached has the empty report shape and its connection state', () => {
    const r = fleetReport(null, [web, db, staging], NOW);
    expect(r.group).toBeNull();
    expect(r.servers[1]).toEqual({
      schema: 1,
      server: 'db-1',
      generatedAt: new Date(NOW).toISOString(),
      degraded: null,
      faults: [],
      host: null,
      projects: [],
      connection: { state: 'unreachable', error: 'root@127.0.0.1:2223: connection refused', hostKeyFingerprint: null, elapsedMs: 3 },
    });
    expect(r.unreachable).toEqual(['db-1']);
    expect(r.degraded).toBe(true);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('exit codes: 0 all well, 1 degraded and every server reached, 2 any server not reached', () => {
    expect(fleetExitCode(fleetReport('shop', [staging], NOW))).toBe(0);
    expect(fleetExitCode(fleetReport('shop', [web, staging], NOW))).toBe(1);
    expect(fleetExitCode(fleetReport('shop', [web, db, staging], NOW))).toBe(2);
    expect(fleetExitCode(fleetReport('shop', [staging, timeoutOutcome('slow', 5000, [], 5001)], NOW))).toBe(2);
  });

  it('a timeout, and a server whose daemon could not be read, are not reached', () => {
    const r = fleetReport(null, [timeoutOutcome('slow', 5000, [], 5000.7), unreadOutcome('odd', 'cannot read the containers: 500', [hop('SHA256:odd')], 40)], NOW);
    expect(r.servers.map((s) => s.connection)).toEqual([
      { state: 'timeout', error: 'no answer within 5s', hostKeyFingerprint: null, elapsedMs: 5001 },
      { state: 'error', error: 'cannot read the containers: 500', hostKeyFingerprint: 'SHA256:odd', elapsedMs: 40 },
    ]);
    expect(r.unreachable).toEqual(['slow', 'odd']);
    expect(r.degraded).toBe(false);
  });

  it('the fingerprint is the last hop’s (the server itself, not a jump host); none for local', () => {
    expect(hopFingerprint([hop('SHA256:a'), hop('SHA256:b')])).toBe('SHA256:b');
    expect(hopFingerprint([])).toBeNull();
  });
});
