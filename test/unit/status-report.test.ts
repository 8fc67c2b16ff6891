import { describe, it, expect } from 'vitest';
import { statusReport } from '../../src/model/status-report.js';
import { renderStatusTable } from '../../src/render/status-table.js';
import { gridSnapshot, NOW } from '../tui/grid-fixture.js';

describe('opsdeck status output', () => {
  const snap = gridSnapshot();

  it('reports the grid as JSON with the documented fields', () => {
    const r = statusReport('web-1', snap, NOW);
    expect(r.schema).toBe(1);
    expect(r.generatedAt).toBe(new Date(NOW).toISOString());
    expect(r.degraded).toBe(snap.verdict.degraded);
    const shop = r.projects.find((p) => p.name === 'shop')!;
    const api = shop.services.find((s) => s.service === 'api')!;
    expect(api.replicas).toEqual({ running: 2, total: 2 });
    expect(api.containers.map((c) => c.name)).toEqual(['shop-api-1', 'shop-api-2']);
    expect(api.cpu.percent).toBe(25);
    expect(typeof api.memory.limitBytes).toBe('number');
    const redis = shop.services.find((s) => s.service === 'redis')!;
    expect(redis.ports.length).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('prints a table without escape sequences when colour is off', () => {
    const text = renderStatusTable('web-1', snap, { width: 100, color: false, now: NOW });
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/^web-1 · Engine 24\.0\.7/);
    expect(text).toMatch(snap.verdict.degraded ? /^DEGRADED: /m : /^OK: /m);
    for (const line of text.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(100 + 60);
  });
});
