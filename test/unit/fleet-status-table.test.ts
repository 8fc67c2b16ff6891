import { describe, expect, it } from 'vitest';
import type { FleetConnection, FleetReport, FleetServerReport } from '../../src/model/fleet-report.js';
import { renderFleetStatusTable } from '../../src/render/fleet-status-table.js';
import { displayWidth } from '../../src/render/columns.js';
import type { StatusReport } from '../../src/model/status-report.js';

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


const conn = (state: FleetConnection['state'], error: string | null = null): FleetConnection => ({ state, error, hostKeyFingerprint: state === 'connected' ? 'SHA256:x' : null, elapsedMs: 100 });
const reached = (r: StatusReport): FleetServerReport => ({ ...r, connection: conn('connected') });
const notReached = (server: string, state: FleetConnection['state'], error: string): FleetServerReport => ({
  schema: 1, server, generatedAt: new Date(NOW).toISOString(), degraded: null, faults: [], host: null, projects: [], connection: conn(state, error),
});

function fleet(servers: FleetServerReport[], group: string | null = 'shop'): FleetReport {
  return {
    schema: 1, generatedAt: new Date(NOW).toISOString(), group,
    degraded: servers.some((s) => s.degraded === true),
    unreachable: servers.filter((s) => s.connection.state !== 'connected').map((s) => s.server),
    servers,
  };
}

const shop = fleet([
  reached(report('web-1', { faults: [{ project: 'shop', service: 'mailer', reasons: ['restart-loop', 'restarting'] }, { project: null, service: 'watchtower', reasons: ['exited-nonzero'] }], disk: 91 })),
  notReached('db-1', 'unreachable', 'root@127.0.0.1:2223: connection refused'),
  reached(report('staging-1', { engine: '24.0.7', budget: 120 })),
  notReached('edge', 'host-key-changed', 'HOST KEY CHANGED for edge'),
]);

const plain = (r: FleetReport, width = 160) => renderFleetStatusTable(r, { width, color: false });

describe('fleet status table', () => {
  it('one line per server with its state, faults, load, memory budget, disk, engine and error', () => {
    const lines = plain(shop).trimEnd().split('\n');
    expect(lines[0]).toBe('group shop · 4 servers');
    expect(lines[1]).toMatch(/^SERVER\s+STATE\s+FAULTS\s+LOAD\s+MEM\s+DISK\s+ENGINE\s+ERROR$/);
    const row = (name: string) => lines.find((l) => l.startsWith(name + ' '))!;
    expect(row('web-1')).toMatch(/^web-1\s+connected\s+2\s+0\.51\s+50%\s+91%\s+20\.10\.24$/);
    expect(row('db-1')).toMatch(/^db-1\s+unreachable\s+—\s+—\s+—\s+—\s+—\s+root@127\.0\.0\.1:2223: connection refused$/);
    expect(row('staging-1')).toMatch(/^staging-1\s+connected\s+0\s+0\.51\s+120%\s+22%\s+24\.0\.7$/);
    expect(row('edge')).toMatch(/^edge\s+HOST KEY CHANGED\s+—(\s+—){4}\s+HOST KEY CHANGED for edge$/);
  });

  it('puts each server’s faulted services under it', () => {
    const lines = plain(shop).split('\n');
    const web = lines.findIndex((l) => l.startsWith('web-1 '));
    expect(lines[web + 1]).toBe('    ! shop/mailer  restart-loop, restarting');
    expect(lines[web + 2]).toBe('    ! watchtower  exited-nonzero');
    expect(lines[web + 3]).toMatch(/^db-1 /);
  });

  it('ends with the verdict: servers not reached first, then the degraded ones', () => {
    const lines = plain(shop).trimEnd().split('\n');
    expect(lines.slice(-2)).toEqual(['NOT REACHED: db-1 (unreachable), edge (HOST KEY CHANGED)', 'DEGRADED: web-1 (2 faulted)']);
    const ok = plain(fleet([reached(report('db-1')), reached(report('staging-1'))], null)).trimEnd().split('\n');
    expect(ok[0]).toMatch(/^SERVER/);
    expect(ok.at(-1)).toBe('OK: all 2 servers are reached, every service up and healthy');
  });

  it('every line fits the width, the server name and state before anything else', () => {
    for (const width of [30, 50, 80, 120]) {
      const text = plain(shop, width);
      for (const line of text.trimEnd().split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(width);
      expect(text).toContain('db-1');
    }
    const narrow = plain(shop, 30).split('\n');
    expect(narrow.find((l) => l.startsWith('db-1 '))).toMatch(/^db-1\s+unreachable$/);
  });

  it('colour only when asked, and then the states and faults are painted', () => {
    expect(plain(shop)).not.toContain('\u001b');
    const coloured = renderFleetStatusTable(shop, { width: 160, color: true });
    expect(coloured).toContain('\u001b[32mconnected');
    expect(coloured).toContain('\u001b[1;31munreachable');
  });

  it('a server’s words reach the terminal sanitised', () => {
    const hostile = fleet([
      reached({ ...report('web-1', { engine: '20.10\u001b]52;c;aGk=\u0007.24', faults: [{ project: 'sh\u001b[2Jop', service: 'api\u202e', reasons: ['unhealthy'] }] }) }),
      notReached('db-1', 'error', 'bad \u001b[31mred\u001b[0m\nsecond line'),
    ]);
    const text = plain(hostile);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain('20.10.24');
    expect(text).toContain('! shop/api  unhealthy');
  });
});
