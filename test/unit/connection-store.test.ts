import { describe, expect, it, vi } from 'vitest';
import { ConnectionStore, describeConnectionState } from '../../src/transport/connection-store.js';
import { backoffDelay, cancellableSleep } from '../../src/transport/reconnect.js';
import { ChannelSlots } from '../../src/transport/channel-slots.js';

describe('connection store', () => {
  it('publishes new immutable snapshots and fires reconnected only after a reconnect', () => {
    let now = 1000;
    const s = new ConnectionStore('prod', { now: () => now });
    const seen: string[] = [];
    const unsub = s.subscribe(() => seen.push(describeConnectionState(s.getSnapshot().state, now)));
    const reconnected = vi.fn();
    s.onReconnected(reconnected);
    const first = s.getSnapshot();
    expect(first.state.status).toBe('connecting');
    expect(s.getSnapshot()).toBe(first);
    s.connected('streamlocal');
    expect(reconnected).not.toHaveBeenCalled();
    s.reconnecting(3, 4000, 'Keepalive timeout');
    now += 1500;
    expect(describeConnectionState(s.getSnapshot().state, now)).toBe('reconnecting, attempt 3, next in 3s');
    s.connected('streamlocal');
    expect(reconnected).toHaveBeenCalledTimes(1);
    expect(s.getSnapshot().reconnects).toBe(1);
    s.failed('host key changed');
    s.closed();
    s.closed();
    unsub();
    s.connecting();
    expect(seen).toEqual([
      'connected (streamlocal)',
      'reconnecting, attempt 3, next in 4s',
      'connected (streamlocal)',
      'failed: host key changed',
      'closed',
    ]);
    expect(first.state.status).toBe('connecting');
  });

  it('says how long a connected server has been silent, and forgets it when the server speaks', () => {
    const s = new ConnectionStore('prod', { now: () => 5000 });
    s.connected('streamlocal');
    s.silent(2000);
    expect(describeConnectionState(s.getSnapshot().state, 19_400)).toBe('connected (streamlocal), no answer for 17s');
    const before = s.getSnapshot();
    s.silent(2000);
    expect(s.getSnapshot()).toBe(before);
    s.silent(undefined);
    expect(describeConnectionState(s.getSnapshot().state, 20_000)).toBe('connected (streamlocal)');
    s.reconnecting(1, 1000);
    s.silent(3000);
    expect(s.getSnapshot().state.status).toBe('reconnecting');
  });

  it('a throwing listener does not stop the others', () => {
    const s = new ConnectionStore('x');
    const ok = vi.fn();
    s.subscribe(() => {
      throw new Error('boom');
    });
    s.subscribe(ok);
    s.connected();
    expect(ok).toHaveBeenCalled();
  });
});

describe('backoff', () => {
  it('doubles from 1 s and caps at 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    expect(backoffDelay(3, { baseMs: 10, maxMs: 25 })).toBe(25);
  });
  it('sleeps can be woken or cancelled', async () => {
    const a = cancellableSleep(60_000);
    a.wake();
    expect(await a.done).toBe('woken');
    const b = cancellableSleep(60_000);
    b.cancel();
    expect(await b.done).toBe('cancelled');
    expect(await cancellableSleep(1).done).toBe('slept');
  });
});

describe('channel slots', () => {
  it('queues past the limit and releases once', async () => {
    const slots = new ChannelSlots(2);
    const r1 = await slots.acquire();
    const r2 = await slots.acquire();
    let third = false;
    const p = slots.acquire().then((r) => {
      third = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false);
    r1();
    r1();
    const r3 = await p;
    expect(third).toBe(true);
    r2();
    r3();
    const again = await Promise.all([slots.acquire(), slots.acquire()]);
    expect(again).toHaveLength(2);
  });
});
