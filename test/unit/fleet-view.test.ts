import { describe, expect, it } from 'vitest';
import { gridSnapshot, NOW } from '../tui/grid-fixture.js';
import { faultedServices, fleetLink, fleetRow, type FleetLink, type RowInputs } from '../../src/model/fleet-view.js';
import { rowFaults, updateNotices } from '../../src/model/fleet-notices.js';
import { fleetLines, linkText } from '../../src/render/fleet-lines.js';
import { parseFleetLogWords } from '../../src/fleet/fleet-logs.js';

const connected: FleetLink = { state: 'connected', since: NOW - 60_000 };

function inputs(over: Partial<RowInputs> = {}): RowInputs {
  return { name: 'web-1', colour: 'red', environment: 'production', link: connected, fingerprint: 'SHA256:abc', grid: gridSnapshot(), droppedAt: undefined, backup: undefined, run: undefined, ...over };
}

describe('fleet link', () => {
  it('names every state a server can be in', () => {
    const retry = { attempt: 3, retryAt: NOW + 4000 };
    expect(fleetLink({ phase: 'connecting', since: NOW }, retry).state).toBe('connecting');
    expect(fleetLink({ phase: 'failed', since: NOW, message: 'refused', kind: 'unreachable', locked: false }, retry)).toMatchObject({ state: 'unreachable', attempt: 3, retryAt: NOW + 4000 });
    expect(fleetLink({ phase: 'failed', since: NOW, message: 'x', kind: 'auth', locked: false }, retry).state).toBe('auth-failed');
    expect(fleetLink({ phase: 'failed', since: NOW, message: 'x', kind: 'host-key', locked: false }, retry).state).toBe('host-key-changed');
    // A server that does not answer but whose initramfs does: locked wins over unreachable.
    expect(fleetLink({ phase: 'failed', since: NOW, message: 'x', kind: 'unreachable', locked: true }, retry).state).toBe('locked');
    expect(fleetLink({ phase: 'ready', connection: { status: 'reconnecting', since: NOW, attempt: 2, nextInMs: 2000, retryAt: NOW + 2000 } }, retry)).toMatchObject({ state: 'reconnecting', attempt: 2 });
    expect(fleetLink({ phase: 'ready', connection: { status: 'failed', since: NOW, reason: 'the host key of web-1 changed' } }, retry).state).toBe('host-key-changed');
  });

  it('words a countdown from the clock, never a negative wait', () => {
    expect(linkText({ state: 'reconnecting', since: NOW, attempt: 2, retryAt: NOW + 3500, error: undefined }, NOW)).toBe('reconnecting (#2, next try in 4s)');
    expect(linkText({ state: 'unreachable', since: NOW, attempt: 1, retryAt: NOW - 10, error: 'x' }, NOW)).toBe('unreachable (#1, next try now)');
    expect(linkText({ state: 'host-key-changed', since: NOW, error: 'x' }, NOW)).toBe('host key changed (refused)');
  });
});

describe('fleet row', () => {
  it('lists the degraded services and those near their memory limit', () => {
    const names = faultedServices(gridSnapshot([], { memUsedMiB: 250 })).map((s) => [s.name, s.reasons.join('+'), s.memoryPercent === undefined ? '-' : Math.round(s.memoryPercent)]);
    expect(names).toEqual([
      ['shop/caddy', '', 98],
      ['shop/db', 'unhealthy', '-'],
      ['shop/worker', 'restart-loop', '-'],
    ]);
  });

  it('is current only while connected with a fresh grid, and says since when it is not', () => {
    expect(fleetRow(inputs()).staleSince).toBeUndefined();
    const dropped = fleetRow(inputs({ link: { state: 'reconnecting', since: NOW, attempt: 1, retryAt: NOW + 1000, error: undefined }, droppedAt: NOW - 5000, grid: gridSnapshot([], { stale: true }) }));
    expect(dropped.staleSince).toBe(NOW - 5000);
    // The last figures stay on the row: stale, not gone.
    expect(dropped.faulted.length).toBe(2);
    expect(dropped.engineVersion).toBe('24.0.7');
    // A server never reached has nothing to be stale about.
    expect(fleetRow(inputs({ link: { state: 'unreachable', since: NOW, attempt: 1, retryAt: undefined, error: 'refused' }, grid: undefined })).staleSince).toBeUndefined();
  });
});

describe('fleet notices', () => {
  it('appear with their fault, keep their first-seen time, and clear when it clears', () => {
    const first = updateNotices([], [fleetRow(inputs())], NOW);
    expect(first.added.map((n) => n.text).sort()).toEqual(['shop/db unhealthy', 'shop/worker in a restart loop']);
    const again = updateNotices(first.notices, [fleetRow(inputs())], NOW + 5000);
    expect(again.added).toEqual([]);
    expect(again.notices.every((n) => n.since === NOW)).toBe(true);
    const healthy = gridSnapshot();
    const cleared = updateNotices(again.notices, [fleetRow(inputs({ grid: { ...healthy, groups: [] } }))], NOW + 9000);
    expect(cleared.notices).toEqual([]);
  });

  it('raises disk, backup, dropped and locked servers', () => {
    const g = gridSnapshot();
    const full = { ...g, groups: [], host: { ...g.host!, disk: { usedBytes: 90, totalBytes: 100, percent: 90 } } };
    const texts = (i: Partial<RowInputs>) => rowFaults(fleetRow(inputs({ grid: full, ...i }))).map((f) => f.text);
    expect(texts({})).toEqual(['disk 90 % full']);
    expect(texts({ backup: { ageMs: 30 * 3_600_000, rpoHours: 24, breached: true } })).toContain('newest verified backup 30 h old (RPO 24 h)');
    expect(texts({ link: { state: 'reconnecting', since: NOW, attempt: 1, retryAt: NOW, error: undefined } })).toContain('dropped: reconnecting');
    expect(texts({ link: { state: 'locked', since: NOW, error: 'x' }, grid: undefined })).toEqual(['waiting for its disk passphrase (unlock)']);
    expect(texts({ link: { state: 'host-key-changed', since: NOW, error: 'x' }, grid: undefined })).toEqual(['host key changed: refused']);
  });

  it('are told apart by server: the same fault on two servers is two notices', () => {
    const a = fleetRow(inputs());
    const b = fleetRow(inputs({ name: 'staging-1' }));
    const { notices } = updateNotices([], [a, b], NOW);
    expect(notices.filter((n) => n.text === 'shop/db unhealthy').map((n) => n.server).sort()).toEqual(['staging-1', 'web-1']);
  });
});

describe('fleet lines', () => {
  it('draws a server, its faulted services under it, and the notices', () => {
    const rows = [fleetRow(inputs()), fleetRow(inputs({ name: 'db-1', link: { state: 'unreachable', since: NOW - 3000, attempt: 2, retryAt: NOW + 2000, error: '127.0.0.1:22026: connection refused' }, grid: undefined }))];
    const { notices } = updateNotices([], rows, NOW);
    const lines = fleetLines(rows, notices, NOW, 160);
    const text = lines.map((l) => l.text);
    expect(text[1]).toMatch(/^web-1 +connected 1m/);
    expect(text[2]).toBe('  ✗ shop/db  unhealthy');
    expect(text[3]).toBe('  ✗ shop/worker  restart loop');
    expect(text[4]).toMatch(/^db-1 +unreachable \(#2, next try in 2s\) 3s +127.0.0.1:22026: connection refused$/);
    expect(text[4]).toContain('connection refused');
    expect(lines.filter((l) => l.kind === 'notice').length).toBe(3);
    expect(lines.every((l) => l.text.length <= 160)).toBe(true);
  });

  it('says "stale since" with the clock time on a dropped server, and dims it', () => {
    const row = fleetRow(inputs({ link: { state: 'reconnecting', since: NOW, attempt: 1, retryAt: NOW + 1000, error: undefined }, droppedAt: NOW - 5000 }));
    const line = fleetLines([row], [], NOW, 200)[1]!;
    expect(line.text).toContain(`stale since ${new Date(NOW - 5000).toTimeString().slice(0, 5)}`);
    expect(line.dim).toBe(true);
  });
});

describe(':logs across servers', () => {
  it('reads server:service words and refuses the rest in one line', () => {
    expect([...parseFleetLogWords(['web-1:api', 'db-1:postgres', 'web-1:worker'], ['web-1', 'db-1'])]).toEqual([
      ['web-1', ['api', 'worker']],
      ['db-1', ['postgres']],
    ]);
    expect(() => parseFleetLogWords(['api'], ['web-1'])).toThrow('api: name the server and the service, as web-1:api');
    expect(() => parseFleetLogWords(['db-2:pg'], ['web-1', 'db-1'])).toThrow('db-2: not a server of this fleet (web-1, db-1)');
    expect(() => parseFleetLogWords(['web-1:'], ['web-1'])).toThrow(/name the server and the service/);
  });
});

describe(':logs across servers, before any stream', () => {
  it('says a named server is not connected, rather than not in the fleet', async () => {
    const { createFleetLogs } = await import('../../src/fleet/fleet-logs.js');
    expect(() => createFleetLogs(new Map([['web-1', undefined], ['db-1', undefined]]), ['db-1:postgres'])).toThrow('db-1: not connected');
  });
});
