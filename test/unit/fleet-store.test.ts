import { afterEach, describe, expect, it } from 'vitest';
import { FleetStore, type FleetSession } from '../../src/fleet/fleet-store.js';
import type { SessionSnapshot } from '../../src/session/session-store.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import { ConnectionStore } from '../../src/transport/connection-store.js';
import type { Target } from '../../src/transport/target.js';
import type { Notice } from '../../src/model/fleet-notices.js';
import { gridSnapshot } from '../tui/grid-fixture.js';
import { valueStore } from '../tui/harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A session as the fleet sees one: plain stores, and start() counted. */
function fakeSession(name: string, first: (s: ReturnType<typeof fakeSession>) => void) {
  const store = valueStore<SessionSnapshot>({ phase: 'connecting', label: name, step: undefined });
  const s = {
    ...store,
    target: { kind: 'ssh', label: name, profile: { name, ssh: { host: name }, environment: 'staging' } } as unknown as Target,
    starts: 0,
    connection: undefined,
    runningRunbook: undefined,
    start: async () => {
      s.starts++;
      first(s);
    },
    close: async () => undefined,
    ready(grid: GridSnapshot) {
      const state = new ConnectionStore(name);
      state.connected('streamlocal');
      const conn = { state, hops: () => [{ hop: name, serverVersion: 'x', auth: 'publickey', hostKey: { status: 'known', keyType: 'ssh-ed25519', fingerprint: `SHA256:${name}`, file: 'k', line: 1 } }], target: s.target };
      const gridStore = { ...valueStore(grid), intervals: [] as number[], setPace: (p: { statsMs: number }) => void gridStore.intervals.push(p.statsMs) };
      store.set({ phase: 'ready', label: name, conn, connection: state, grid: gridStore } as unknown as SessionSnapshot);
      return { state, gridStore };
    },
    fail(kind: 'unreachable' | 'host-key' | 'auth', locked?: string) {
      store.set({ phase: 'failed', label: name, message: `${name}: ${kind}`, hint: undefined, locked, kind, since: Date.now() });
    },
  };
  return s satisfies FleetSession & { starts: number };
}

let fleet: FleetStore | undefined;
afterEach(async () => {
  await fleet?.close();
});

describe('the fleet store', () => {
  it('retries a server that never answered with its own backoff, and never one that refused its host key or login', async () => {
    const down = fakeSession('db-1', (s) => s.fail('unreachable'));
    const refused = fakeSession('web-1', (s) => s.fail('host-key'));
    const login = fakeSession('staging-1', (s) => s.fail('auth'));
    fleet = new FleetStore([{ name: 'db-1', session: down }, { name: 'web-1', session: refused }, { name: 'staging-1', session: login }], { retry: { baseMs: 40, maxMs: 40 } });
    fleet.start();
    await sleep(300);
    expect(down.starts).toBeGreaterThan(3);
    expect(refused.starts).toBe(1);
    expect(login.starts).toBe(1);
    await sleep(250);
    const rows = fleet.getSnapshot().rows;
    expect(rows.map((r) => r.link.state)).toEqual(['unreachable', 'host-key-changed', 'auth-failed']);
    expect(rows[0]!.link).toMatchObject({ state: 'unreachable' });
  });

  it('fills a row in as its server answers, and rings for each fault that appears, once', async () => {
    const bells: Notice[][] = [];
    let ready: ReturnType<ReturnType<typeof fakeSession>['ready']> | undefined;
    const web = fakeSession('web-1', (s) => (ready = s.ready(gridSnapshot())));
    const db = fakeSession('db-1', () => undefined);
    fleet = new FleetStore([{ name: 'web-1', session: web }, { name: 'db-1', session: db }], { group: 'shop', onNewNotices: (a) => bells.push([...a]) });
    fleet.start();
    await sleep(400);
    const snap = fleet.getSnapshot();
    expect(snap.connected).toBe(1);
    expect(snap.rows.map((r) => r.link.state)).toEqual(['connected', 'connecting']);
    expect(snap.rows[0]!.fingerprint).toBe('SHA256:web-1');
    expect(snap.rows[0]!.faulted.map((f) => f.name)).toEqual(['shop/db', 'shop/worker']);
    expect(bells.length).toBe(1);
    // The same grid again: nothing new, no bell.
    ready!.gridStore.set({ ...gridSnapshot() });
    await sleep(400);
    expect(bells.length).toBe(1);
    // The connection drops: the rows stay, stale, and the drop is a new notice.
    ready!.state.reconnecting(1, 1000, 'gone');
    ready!.gridStore.set({ ...gridSnapshot(), stale: true });
    await sleep(400);
    const dropped = fleet.getSnapshot().rows[0]!;
    expect(dropped.staleSince).toBeDefined();
    expect(dropped.faulted.length).toBe(2);
    expect(bells.at(-1)!.map((n) => n.text)).toEqual(['dropped: reconnecting']);
  });

  it('samples the server on screen as often as a grid, and the others slowly', async () => {
    const made: Record<string, ReturnType<ReturnType<typeof fakeSession>['ready']>> = {};
    const web = fakeSession('web-1', (s) => (made['web-1'] = s.ready(gridSnapshot())));
    const db = fakeSession('db-1', (s) => (made['db-1'] = s.ready(gridSnapshot())));
    fleet = new FleetStore([{ name: 'web-1', session: web }, { name: 'db-1', session: db }]);
    fleet.start();
    await sleep(50);
    expect(made['web-1']!.gridStore.intervals).toEqual([20_000]);
    fleet.focus('db-1');
    expect(made['db-1']!.gridStore.intervals.at(-1)).toBe(2000);
    expect(made['web-1']!.gridStore.intervals.at(-1)).toBe(20_000);
    fleet.focus(undefined);
    expect(made['db-1']!.gridStore.intervals.at(-1)).toBe(20_000);
  });

  it('knocks on a server waiting for its disk passphrase at the locked pace, once it says so', async () => {
    // As the session does: "failed", then "locked" once the unlock port answered.
    const locked = fakeSession('db-1', (s) => {
      s.fail('unreachable');
      setTimeout(() => s.fail('unreachable', 'waiting for its disk passphrase'), 5);
    });
    fleet = new FleetStore([{ name: 'db-1', session: locked }], { retry: { baseMs: 40, maxMs: 40 }, lockedRetryMs: 5000 });
    fleet.start();
    await sleep(300);
    expect(locked.starts).toBe(1);
    expect(fleet.getSnapshot().rows[0]!.link.state).toBe('locked');
  });
});
