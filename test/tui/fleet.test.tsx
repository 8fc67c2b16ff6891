import React from 'react';
import { describe, expect, it } from 'vitest';
import { FleetApp } from '../../screens/FleetApp.js';
import type { AppSession, AppSessionSnapshot } from '../../screens/app-session.js';
import type { FleetSnapshot } from '../../src/fleet/fleet-store.js';
import { fleetRow, type RowInputs } from '../../src/model/fleet-view.js';
import { updateNotices } from '../../src/model/fleet-notices.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import { PromptStore } from '../../src/model/prompt-store.js';
import { ConnectionStore } from '../../src/transport/connection-store.js';
import { gridSnapshot, NOW } from './grid-fixture.js';
import { KEY, mount, valueStore } from './harness.js';

function row(over: Partial<RowInputs>) {
  return fleetRow({ name: 'web-1', colour: 'red', environment: 'production', link: { state: 'connected', since: NOW - 60_000 }, fingerprint: 'SHA256:abc', grid: gridSnapshot(), droppedAt: undefined, backup: undefined, run: undefined, ...over });
}

function session(label: string): AppSession {
  const connection = new ConnectionStore(label);
  connection.connected('streamlocal');
  const grid = valueStore<GridSnapshot>(gridSnapshot());
  return {
    ...valueStore<AppSessionSnapshot>({ phase: 'ready', label, connection, grid }),
    prompts: new PromptStore(),
    readonly: false,
    retry: () => undefined,
    act: async () => ({ ok: true, message: 'done' }),
    recreateCommand: () => '',
  };
}

function setup() {
  const rows = [
    row({}),
    row({ name: 'db-1', colour: 'magenta', grid: { ...gridSnapshot(), groups: [] } }),
    row({ name: 'staging-1', environment: 'staging', colour: 'yellow', link: { state: 'reconnecting', since: NOW - 4000, attempt: 2, retryAt: NOW + 2000, error: undefined }, droppedAt: NOW - 4000 }),
  ];
  const fleet = { ...valueStore<FleetSnapshot>({ group: 'shop', rows, notices: updateNotices([], rows, NOW).notices, connected: 2 }), retryNow: () => void retries++, names: ['web-1', 'db-1', 'staging-1'] };
  let retries = 0;
  const sessions = new Map(fleet.names.map((n) => [n, session(n)]));
  const app = mount(<FleetApp fleet={fleet} sessionOf={(n) => sessions.get(n)} color={false} now={() => NOW} />, { plain: true });
  return { app, fleet, retries: () => retries };
}

describe('the fleet view', () => {
  it('shows every server with its state, its faulted services under it, and the notices', async () => {
    const { app } = setup();
    await app.ready();
    const f = app.frame();
    expect(f).toContain('opsdeck · fleet shop · 3 servers · 2 connected');
    expect(f).toMatch(/^web-1 +connected 1m/m);
    expect(f).toContain('  ✗ shop/db  unhealthy');
    expect(f).toMatch(/^db-1 +connected 1m +0 /m);
    expect(f).toMatch(/^staging-1 +reconnecting \(#2, next try in 2s\) 4s/m);
    expect(f).toContain('stale since');
    expect(f).toContain('staging-1  dropped: reconnecting');
  });

  it('opens the server of the selected line, with its faulted service selected, and esc comes back', async () => {
    const { app } = setup();
    await app.ready();
    // Three arrows in one read: each moves from where the last left off.
    await app.press(`${KEY.down}${KEY.down}${KEY.down}`);
    await app.press(KEY.enter);
    const grid = await app.waitFor((f) => f.includes('opsdeck · db-1'));
    expect(grid).toMatch(/SERVICE\s+STATE\s+HEALTH/);
    await app.press(KEY.esc);
    await app.waitFor((f) => f.includes('opsdeck · fleet shop'));
    await app.press(KEY.up, KEY.up, KEY.enter);
    const web = await app.waitFor((f) => f.includes('opsdeck · web-1'));
    // The faulted service picked in the fleet is the grid's selection (the detail opens on it).
    await app.press(KEY.enter);
    await app.waitFor((f) => /shop\/db|db-1/.test(f) && f.includes('unhealthy'));
    expect(web).toContain('web-1');
  });

  it(':host NAME switches to a fleet server, and names the fleet on a typo', async () => {
    const { app } = setup();
    await app.ready();
    await app.press(':', 'h', 'o', 's', 't', ' ', 'n', 'o', 'p', 'e', KEY.enter);
    await app.waitFor((f) => f.includes('no server nope in this fleet (web-1, db-1, staging-1)'));
    await app.press(':');
    for (const c of 'host staging-1') await app.press(c);
    await app.press(KEY.enter);
    await app.waitFor((f) => f.includes('opsdeck · staging-1'));
  });

  it('r asks every waiting server to try now', async () => {
    const { app, retries } = setup();
    await app.ready();
    await app.press('r');
    await app.waitFor((f) => f.includes('trying every waiting server now'));
    expect(retries()).toBe(1);
  });

  it('follows the store: a fault that clears leaves the notices', async () => {
    const { app, fleet } = setup();
    await app.ready();
    const healthy = fleet.getSnapshot().rows.map((r) => ({ ...r, faulted: [], link: { state: 'connected' as const, since: NOW }, staleSince: undefined }));
    fleet.set({ group: 'shop', rows: healthy, notices: updateNotices(fleet.getSnapshot().notices, healthy, NOW).notices, connected: 3 });
    const f = await app.waitFor((x) => x.includes('3 connected'));
    expect(f).toContain('nothing wrong anywhere');
    expect(f).not.toContain('✗');
  });
});
