import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toLogLine, type LogLine } from '../../src/logs/log-line.js';
import { LogStore, PUBLISH_INTERVAL_MS, type LogSnapshot } from '../../src/logs/log-store.js';
import type { LogTarget } from '../../src/logs/log-targets.js';
import { FakeConnection, FakeContainer, FakeLogApi, ts, until } from './fixtures/fake-log-api.js';

const target = (id: string): LogTarget => ({ id, name: `shop-${id}`, project: 'shop', service: 'api', replica: Number(id.slice(-1)), tag: id });
const line = (text: string, i = 0): LogLine => toLogLine({ stream: 'stdout', ts: ts(i % 60, i), text, bytes: text.length, cut: false }, 0);
const texts = (s: LogSnapshot) => Array.from({ length: s.lines.count }, (_, i) => s.lines.at(i)!.plain);

function store(opts: Partial<ConstructorParameters<typeof LogStore>[0]> = {}) {
  return new LogStore({ api: new FakeLogApi(), resolve: async () => ({ ok: true, targets: [target('api-1')] }), connection: null, ...opts });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LogStore', () => {
  it('publishes at most once per 50 ms however fast lines arrive (10,000 lines in one second: ≤ 21 snapshots)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const s = store();
    let notified = 0;
    const un = s.subscribe(() => notified++);
    const start = s.publishes;
    for (let ms = 0; ms < 1000; ms++) {
      for (let k = 0; k < 10; k++) s.ingest(line(`line ${ms * 10 + k}`, ms * 10 + k));
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    const published = s.publishes - start;
    expect(published).toBeGreaterThanOrEqual(19);
    expect(published).toBeLessThanOrEqual(21);
    expect(notified).toBe(published);
    expect(s.getSnapshot().received).toBe(10_000);
    un();
    s.dispose();
  });

  it('keeps the newest N lines (--buffer) and counts what it let go', () => {
    const s = store({ capacity: 100 });
    for (let i = 0; i < 1000; i++) s.ingest(line(`n${i}`, i));
    s.setFilter('');
    const snap = s.getSnapshot();
    expect([snap.buffered, snap.evicted, snap.lines.count]).toEqual([100, 900, 100]);
    expect(snap.lines.at(0)!.plain).toBe('n900');
    expect(snap.lines.at(99)!.plain).toBe('n999');
    expect(snap.lines.indexOfSeq(950)).toBe(50);
    s.dispose();
  });

  it('filters the buffer (and lines still to come), reports bad regexes, and filters by level', () => {
    const s = store();
    const lines = ['{"level":"info","msg":"GET /a","request_id":"r1"}', '{"level":"error","msg":"boom","request_id":"r2"}', 'WARN plain warning', '{"level":"info","msg":"GET /b","request_id":"r2"}'];
    lines.forEach((t, i) => s.ingest(line(t, i)));
    expect(s.setFilter('GET')).toBeNull();
    expect(texts(s.getSnapshot())).toEqual([lines[0], lines[3]]);
    s.ingest(line('{"level":"debug","msg":"GET /c"}', 9));
    s.setMinLevel('info');
    expect(texts(s.getSnapshot())).toEqual([lines[0], lines[3]]);
    expect(s.setFilter('GET (')).toMatch(/bad regular expression/);
    expect(s.getSnapshot().filter.text).toBe('GET');
    s.clearFilter();
    s.setMinLevel('warn');
    expect(texts(s.getSnapshot())).toEqual([lines[1], lines[2]]);
    s.cycleMinLevel();
    expect(s.getSnapshot().minLevel).toBe('error');
    s.cycleMinLevel();
    expect(s.getSnapshot().minLevel).toBe(null);
    s.dispose();
  });

  it('traces the request of a line in one action', () => {
    const s = store();
    ['{"msg":"a","request_id":"abc-123"}', '{"msg":"b","request_id":"zzz"}', '{"msg":"c","request_id":"abc-123"}', 'no id here'].forEach((t, i) => s.ingest(line(t, i)));
    s.traceRequest(0);
    const snap = s.getSnapshot();
    expect(snap.filter.text).toBe('request_id==abc-123');
    expect(texts(snap)).toEqual(['{"msg":"a","request_id":"abc-123"}', '{"msg":"c","request_id":"abc-123"}']);
    expect(snap.notice?.text).toMatch(/tracing request_id=abc-123/);
    s.clearFilter();
    s.traceRequest(3);
    expect(s.getSnapshot().notice).toEqual({ text: 'this line has no request id field', level: 'warn' });
    s.traceRequest(null);
    expect(s.getSnapshot().filter.text).toBe('request_id==abc-123');
    s.dispose();
  });

  it('traces a request id from the server as a literal, never as a regex it chose', () => {
    const s = store();
    const lines = ['{"msg":"a","request_id":"~."}', '{"msg":"b","request_id":"anything"}', '{"msg":"c","request_id":"=~."}', '{"msg":"d","request_id":"~. \\" x"}'];
    lines.forEach((t, i) => s.ingest(line(t, i)));
    s.traceRequest(0);
    expect(texts(s.getSnapshot())).toEqual([lines[0]]);
    s.traceRequest(2);
    expect(texts(s.getSnapshot())).toEqual([lines[2]]);
    s.traceRequest(3);
    expect(texts(s.getSnapshot())).toEqual([lines[3]]);
    s.dispose();
  });

  it('saves the filtered lines to a new 0600 file, never over an existing one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-logsave-'));
    try {
      const s = store({ cwd: dir });
      ['alpha \u001b[31mred\u001b[0m', 'beta', 'alphabet'].forEach((t, i) => s.ingest(line(t, i)));
      s.setFilter('alpha');
      const r = await s.save('out.log');
      expect(r).toMatchObject({ ok: true, message: `saved 2 lines to ${path.join(dir, 'out.log')}` });
      const body = fs.readFileSync(path.join(dir, 'out.log'), 'utf8');
      expect(body).toBe(`${ts(0, 0)} alpha red\n${ts(2, 2)} alphabet\n`);
      expect(fs.statSync(path.join(dir, 'out.log')).mode & 0o777).toBe(0o600);
      const again = await s.save('out.log');
      expect(again.ok).toBe(false);
      expect(again.message).toMatch(/the file exists/);
      expect(s.getSnapshot().notice?.level).toBe('error');
      s.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams while subscribed, stops when the last subscriber leaves, and resumes without a gap', async () => {
    const api = new FakeLogApi();
    const c = api.add(new FakeContainer('api-1'));
    c.append({ ts: ts(1), stream: 'stdout', text: 'one' });
    const s = store({ api, connection: new FakeConnection(), holdMs: 10 });
    let un = s.subscribe(() => undefined);
    await until('first line', () => s.getSnapshot().lines.count === 1);
    await until('following', () => c.followers.size === 1);
    un();
    expect(c.followers.size).toBe(0);
    c.append({ ts: ts(2), stream: 'stdout', text: 'two (while away)' });
    un = s.subscribe(() => undefined);
    await until('caught up', () => s.getSnapshot().lines.count === 2);
    expect(texts(s.getSnapshot())).toEqual(['one', 'two (while away)']);
    un();
    s.dispose();
  });

  it('shows why it cannot start', async () => {
    const s = store({ resolve: async () => ({ ok: false, error: "no container or service named 'nope'", hint: 'Services: api' }) });
    const un = s.subscribe(() => undefined);
    await until('error', () => s.getSnapshot().phase === 'error');
    expect(s.getSnapshot()).toMatchObject({ error: "no container or service named 'nope'", hint: 'Services: api' });
    un();
  });

  it('marks a reconnect in the buffer, visible under any filter', async () => {
    const api = new FakeLogApi();
    const c = api.add(new FakeContainer('api-1'));
    c.append({ ts: ts(1), stream: 'stdout', text: 'one' });
    const conn = new FakeConnection();
    const s = store({ api, connection: conn, holdMs: 10, filter: 'one' });
    const un = s.subscribe(() => undefined);
    await until('following', () => c.followers.size === 1);
    conn.connected = false;
    c.drop();
    c.append({ ts: ts(2), stream: 'stdout', text: 'one more' });
    conn.reconnect();
    await until('resumed', () => s.getSnapshot().lines.count === 3);
    const t = texts(s.getSnapshot());
    expect(t[0]).toBe('one');
    expect(t[1]).toMatch(/^reconnected at \d\d:\d\d:\d\d UTC; resuming api-1 from 18:00:01\.000/);
    expect(t[2]).toBe('one more');
    expect(s.getSnapshot().reconnects).toBe(1);
    un();
    s.dispose();
  });
});
