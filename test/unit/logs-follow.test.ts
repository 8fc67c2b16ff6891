import { describe, expect, it } from 'vitest';
import { LogFollower, type LogFollowerOptions, type SourceState } from '../../src/logs/log-follower.js';
import { TimestampMerger } from '../../src/logs/log-merge.js';
import type { LogLine } from '../../src/logs/log-line.js';
import type { LogTarget } from '../../src/logs/log-targets.js';
import { ResumeCursor } from '../../src/logs/resume-cursor.js';
import { FakeConnection, FakeContainer, FakeLogApi, ts, until, type FakeLine } from './fixtures/fake-log-api.js';

const target = (id: string): LogTarget => ({ id, name: id, project: 'shop', service: id.replace(/-\d+$/, ''), replica: 1, tag: id });
const out = (text: string, t: string, stream: 'stdout' | 'stderr' = 'stdout'): FakeLine => ({ ts: t, stream, text });

function follow(api: FakeLogApi, ids: string[], conn: FakeConnection | null, opts: Partial<LogFollowerOptions> = {}) {
  const got: LogLine[] = [];
  const states: SourceState[][] = ids.map(() => []);
  const f = new LogFollower(api, ids.map(target), conn, {
    follow: true,
    holdMs: 30,
    retryMs: 20,
    stoppedPollMs: 20,
    waitForRestart: true,
    onLine: (l) => got.push(l),
    onStatus: (i, s) => states[i]!.push(s.state),
    ...opts,
  });
  f.start();
  return { f, got, states, texts: () => got.map((l) => l.plain) };
}

describe('TimestampMerger', () => {
  it('merges histories exactly, waiting for every source', () => {
    const out: string[] = [];
    const m = new TimestampMerger<{ ts: string; t: string }>(2, (l) => out.push(l.t), { holdMs: 100 });
    m.push(0, { ts: ts(1), t: 'a1' }, 0);
    m.push(0, { ts: ts(3), t: 'a3' }, 0);
    expect(m.flush(0)).toBe(0);
    m.push(1, { ts: ts(2), t: 'b2' }, 0);
    m.flush(0);
    expect(out).toEqual(['a1', 'b2']);
    m.setMode(1, 'done');
    m.flush(0);
    expect(out).toEqual(['a1', 'b2', 'a3']);
  });

  it('lets a single source\'s lines go as they come, in any mode, queueing nothing', () => {
    const out: string[] = [];
    const m = new TimestampMerger<{ ts: string; t: string }>(1, (l) => out.push(l.t), { holdMs: 100 });
    m.push(0, { ts: ts(1), t: 'a1' }, 0);
    m.push(0, { ts: ts(2), t: 'a2' }, 0);
    expect(out).toEqual(['a1', 'a2']);
    expect(m.queued(0)).toBe(0);
    m.setMode(0, 'live');
    m.push(0, { ts: ts(3), t: 'a3' }, 0);
    expect(out).toEqual(['a1', 'a2', 'a3']);
    expect(m.nextDeadline(0)).toBeNull();
  });

  it('holds live lines for a quiet source at most holdMs', () => {
    const out: string[] = [];
    const m = new TimestampMerger<{ ts: string; t: string }>(2, (l) => out.push(l.t), { holdMs: 100 });
    m.setMode(0, 'live');
    m.setMode(1, 'live');
    m.push(0, { ts: ts(5), t: 'a5' }, 1000);
    expect(m.flush(1050)).toBe(0);
    expect(m.nextDeadline(1050)).toBe(50);
    expect(m.flush(1100)).toBe(1);
    // Once the other source has sent something newer, no wait at all.
    m.push(1, { ts: ts(7), t: 'b7' }, 1200);
    m.push(0, { ts: ts(6), t: 'a6' }, 1200);
    m.flush(1200);
    expect(out).toEqual(['a5', 'a6']);
  });
});

describe('ResumeCursor', () => {
  it('skips exactly the lines already taken at the last timestamp, and takes new ones there', () => {
    const c = new ResumeCursor();
    expect(c.accept(ts(1), 'stdout', 'a')).toBe(true);
    expect(c.accept(ts(2), 'stdout', 'b')).toBe(true);
    expect(c.accept(ts(2), 'stdout', 'c')).toBe(true);
    c.resume();
    expect(c.accept(ts(1), 'stdout', 'a')).toBe(false);
    expect(c.accept(ts(2), 'stdout', 'b')).toBe(false);
    expect(c.accept(ts(2), 'stdout', 'd')).toBe(true);
    expect(c.accept(ts(2), 'stdout', 'c')).toBe(false);
    expect(c.accept(ts(2), 'stdout', 'c')).toBe(true);
    expect(c.accept(ts(3), 'stdout', 'e')).toBe(true);
    expect(c.since()).toMatch(/^\d+\.000000000$/);
  });

  it('tells the streams apart: the same text on stderr at the same time is another line', () => {
    const c = new ResumeCursor();
    expect(c.accept(ts(1), 'stdout', 'same')).toBe(true);
    expect(c.accept(ts(1), 'stderr', 'same')).toBe(true);
    c.resume();
    expect(c.accept(ts(1), 'stderr', 'same')).toBe(false);
    expect(c.accept(ts(1), 'stdout', 'same')).toBe(false);
    expect(c.accept(ts(1), 'stdout', 'same')).toBe(true);
    c.resume();
    // A second resume at the same place repeats everything taken there, the line just added too.
    expect(c.accept(ts(1), 'stdout', 'same')).toBe(false);
    expect(c.accept(ts(1), 'stdout', 'same')).toBe(false);
    expect(c.accept(ts(1), 'stderr', 'same')).toBe(false);
    expect(c.accept(ts(2), 'stdout', 'next')).toBe(true);
  });
});

describe('LogFollower', () => {
  it('merges the history of two replicas and then their live lines in timestamp order, stderr kept apart', async () => {
    const api = new FakeLogApi();
    const a = api.add(new FakeContainer('api-1'));
    const b = api.add(new FakeContainer('api-2'));
    a.append(out('a1', ts(1)), out('a3', ts(3)), out('a5 err', ts(5), 'stderr'));
    b.append(out('b2', ts(2)), out('b4', ts(4)));
    const { f, got, texts } = follow(api, ['api-1', 'api-2'], null);
    await until('history', () => got.length === 5);
    expect(texts()).toEqual(['a1', 'b2', 'a3', 'b4', 'a5 err']);
    expect(got.map((l) => [l.source, l.stream])).toEqual([
      [0, 'stdout'],
      [1, 'stdout'],
      [0, 'stdout'],
      [1, 'stdout'],
      [0, 'stderr'],
    ]);
    await until('following', () => a.followers.size === 1 && b.followers.size === 1);
    b.append(out('b6', ts(6)));
    a.append(out('a7', ts(7)));
    await until('live', () => got.length === 7);
    expect(texts().slice(5)).toEqual(['b6', 'a7']);
    f.stop();
  });

  it('resumes after a dropped connection without losing or repeating a line, even lines sharing a timestamp', async () => {
    const api = new FakeLogApi();
    const a = api.add(new FakeContainer('api-1'));
    a.append(out('one', ts(1)), out('two', ts(2)));
    const conn = new FakeConnection();
    const resumed: string[][] = [];
    const { f, texts, states } = follow(api, ['api-1'], conn, { onResume: (from) => resumed.push([...from]) });
    await until('following', () => a.followers.size === 1);
    a.append(out('three', ts(3)), out('three-bis', ts(3)));
    await until('live', () => texts().length === 4);
    // The connection drops; lines keep coming on the server, some at the very same nanosecond.
    conn.connected = false;
    api.reachable = false;
    a.drop();
    await until('waiting', () => states[0]!.at(-1) === 'waiting');
    a.append(out('three-ter', ts(3)), out('four', ts(4)), out('five', ts(5)));
    api.reachable = true;
    conn.reconnect();
    await until('resumed', () => texts().length === 7);
    await until('following again', () => a.followers.size === 1);
    a.append(out('six', ts(6)));
    await until('six', () => texts().length === 8);
    expect(texts()).toEqual(['one', 'two', 'three', 'three-bis', 'three-ter', 'four', 'five', 'six']);
    expect(resumed).toEqual([['18:00:03.000']]);
    // The resumed read asked for the last timestamp seen, not more, not less.
    expect(a.opens.at(-2)).toEqual({ follow: false, since: `${Date.parse('2026-11-22T18:00:03Z') / 1000}.000000000` });
    f.stop();
  });

  it('retries a broken stream with backoff when the connection itself looks fine', async () => {
    const api = new FakeLogApi();
    const a = api.add(new FakeContainer('api-1'));
    a.append(out('one', ts(1)));
    const { f, texts } = follow(api, ['api-1'], new FakeConnection());
    await until('following', () => a.followers.size === 1);
    a.drop();
    a.append(out('two', ts(2)));
    await until('retried', () => texts().length === 2);
    expect(texts()).toEqual(['one', 'two']);
    f.stop();
  });

  it('reads a TTY container raw', async () => {
    const api = new FakeLogApi();
    const t = api.add(new FakeContainer('tty-1', true));
    t.append(out('é€😀 hello', ts(1)), out('second', ts(2)));
    const { f, got } = follow(api, ['tty-1'], null, { follow: false });
    await f.done;
    expect(got.map((l) => [l.plain, l.stream])).toEqual([
      ['é€😀 hello', 'stdout'],
      ['second', 'stdout'],
    ]);
  });

  it('--tail 0 shows only new lines, yet resumes from the right place', async () => {
    const api = new FakeLogApi();
    const a = api.add(new FakeContainer('api-1'));
    a.append(out('old-1', ts(1)), out('old-2', ts(2)));
    const { f, texts } = follow(api, ['api-1'], null, { tail: 0 });
    await until('following', () => a.followers.size === 1);
    a.append(out('new', ts(3)));
    await until('new', () => texts().length === 1);
    expect(texts()).toEqual(['new']);
    f.stop();
  });

  it('without --follow finishes after the history; --tail counts per container', async () => {
    const api = new FakeLogApi();
    const a = api.add(new FakeContainer('api-1'));
    const b = api.add(new FakeContainer('api-2'));
    for (let i = 0; i < 10; i++) a.append(out(`a${i}`, ts(i * 2)));
    for (let i = 0; i < 10; i++) b.append(out(`b${i}`, ts(i * 2 + 1)));
    const { f, texts } = follow(api, ['api-1', 'api-2'], null, { follow: false, tail: 2 });
    await f.done;
    expect(texts()).toEqual(['a8', 'b8', 'a9', 'b9']);
  });

  it('watches a stopped container and picks up its lines when it starts again (view), or finishes (CLI)', async () => {
    const api = new FakeLogApi();
    const a = api.add(new FakeContainer('mailer-1'));
    a.append(out('starting', ts(1)));
    const view = follow(api, ['mailer-1'], null);
    await until('following', () => a.followers.size === 1);
    a.stop();
    await until('stopped', () => view.states[0]!.at(-1) === 'stopped');
    a.append(out('crashed: exit 1', ts(2)));
    a.running = true;
    await until('resumed', () => view.texts().length === 2);
    expect(view.texts()).toEqual(['starting', 'crashed: exit 1']);
    view.f.stop();

    const cli = follow(api, ['mailer-1'], null, { waitForRestart: false });
    await until('following', () => a.followers.size === 1);
    a.stop();
    await cli.f.done;
    expect(cli.states[0]!.at(-1)).toBe('stopped');
  });

  it('reports a container that does not exist', async () => {
    const api = new FakeLogApi();
    const { f, states } = follow(api, ['gone'], null);
    await f.done;
    // The logs request itself is what fails (no inspect is made before it).
    expect(states[0]).toEqual(['history', 'error']);
    expect(f.statuses[0]!.detail).toMatch(/no such container/);
  });
});
