import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogStore } from '../../src/logs/log-store.js';
import type { LogTarget } from '../../src/logs/log-targets.js';
import { Logs, type LogsProps } from '../../screens/Logs.js';
import { FakeContainer, FakeLogApi, ts, type FakeLine } from '../unit/fixtures/fake-log-api.js';
import { KEY, mount } from './harness.js';

// Colours on, so highlights and selection (inverse video) show in the frames.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

const INVERSE = '\u001b[7m';
const target = (id: string): LogTarget => ({ id, name: `shop-${id}`, project: 'shop', service: 'api', replica: Number(id.slice(-1)), tag: id });
const out = (text: string, t: string, stream: 'stdout' | 'stderr' = 'stdout'): FakeLine => ({ ts: t, stream, text });
const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

function setup(ids: string[], fill: (cs: FakeContainer[]) => void, props: Partial<LogsProps> = {}) {
  const api = new FakeLogApi();
  const cs = ids.map((id) => api.add(new FakeContainer(id)));
  fill(cs);
  const store = new LogStore({ api, resolve: async () => ({ ok: true, targets: ids.map(target) }), connection: null, holdMs: 5 });
  const back = vi.fn();
  const m = mount(<Logs store={store} actions={store} width={100} height={14} color onBack={back} onHelp={() => undefined} {...props} />);
  cleanup.push(() => {
    m.unmount();
    store.dispose();
  });
  return { m, cs, store, back, text: () => strip(m.frame()) };
}

describe('the log screen', () => {
  it('merges two replicas with their tags, follows, and pauses while lines keep arriving', async () => {
    const { m, cs, text } = setup(['api-1', 'api-2'], ([a, b]) => {
      a!.append(out('a first', ts(1)), out('a third', ts(3)));
      b!.append(out('b second', ts(2)), out('b oops', ts(4), 'stderr'));
    });
    await m.waitFor((f) => strip(f).includes('b oops'));
    const rows = text().split('\n');
    const order = ['a first', 'b second', 'a third', 'b oops'].map((t) => rows.findIndex((r) => r.includes(t)));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(rows.find((r) => r.includes('a first'))).toMatch(/^ api-1 a first/);
    expect(rows.find((r) => r.includes('b oops'))).toMatch(/^!api-2 b oops/);
    expect(text()).toContain('● following');

    await m.press(' ');
    await m.waitFor((f) => strip(f).includes('‖ paused'));
    await vi.waitFor(() => expect(cs[0]!.followers.size).toBe(1));
    cs[0]!.append(out('a fifth, while paused', ts(5)));
    await m.waitFor((f) => strip(f).includes('1 newer below'));
    expect(text()).not.toContain('a fifth');

    await m.press(' ');
    await m.waitFor((f) => strip(f).includes('a fifth, while paused') && strip(f).includes('● following'));
  });

  it('searches with /, highlights matches, and moves between them with n and N', async () => {
    const { m, text } = setup(['api-1'], ([a]) => {
      for (let i = 0; i < 200; i++) a!.append(out(`line ${String(i).padStart(3, '0')}${[20, 120, 180].includes(i) ? ' MATCH here' : ''}`, ts(Math.floor(i / 10), i)));
    });
    await m.waitFor((f) => strip(f).includes('line 199'));
    await m.press('/');
    await m.waitFor((f) => strip(f).includes('/'));
    await m.press('match', KEY.enter);
    await m.waitFor((f) => strip(f).includes('line 180 MATCH'));
    expect(text()).toContain('3 matching lines');
    expect(text()).toContain('‖ paused');
    expect(m.frame()).toMatch(/\u001b\[7m.*MATCH/);
    await m.press('n');
    await m.waitFor((f) => strip(f).includes('line 120 MATCH') && !strip(f).includes('line 180'));
    await m.press('n');
    await m.waitFor((f) => strip(f).includes('line 020 MATCH'));
    await m.press('N');
    await m.waitFor((f) => strip(f).includes('line 120 MATCH'));
    // esc clears the search first, and only then leaves.
    await m.press(KEY.esc);
    await m.waitFor((f) => !strip(f).includes('/match'));
    expect(m.frame()).not.toContain(`${INVERSE}MATCH`);
  });

  it('filters with f (regex, ! to exclude), keeps a bad regex in the prompt, and clears with F', async () => {
    const { m, text } = setup(['api-1'], ([a]) => {
      a!.append(out('GET /healthcheck 200', ts(1)), out('GET /api/orders 500', ts(2)), out('POST /api/cart 200', ts(3)), out('GET /healthcheck 200', ts(4)));
    });
    await m.waitFor((f) => strip(f).includes('POST /api/cart'));
    await m.press('f');
    await m.press('!health', KEY.enter);
    await m.waitFor((f) => strip(f).includes('filter: !health'));
    expect(text()).not.toContain('/healthcheck');
    expect(text()).toContain('2 of 4 lines');
    await m.press('F');
    await m.waitFor((f) => strip(f).includes('/healthcheck'));
    await m.press('f');
    await m.press('(', KEY.enter);
    await m.waitFor((f) => strip(f).includes('bad regular expression'));
    expect(text()).toContain('filter: (');
    await m.press(KEY.esc);
    await m.waitFor((f) => !strip(f).includes('filter: ('));
    expect(text()).toContain('/healthcheck');
  });

  it('filters by level: e for errors only, l to cycle the minimum', async () => {
    const { m, text } = setup(['api-1'], ([a]) => {
      a!.append(
        out('{"level":"info","msg":"fine"}', ts(1)),
        out('{"level":"error","msg":"broken"}', ts(2)),
        out('2026-11-22T18:00:03Z WARN worker: slow', ts(3)),
        out('{"level":"debug","msg":"chatter"}', ts(4)),
      );
    });
    await m.waitFor((f) => strip(f).includes('chatter'));
    await m.press('e');
    await m.waitFor((f) => strip(f).includes('level ≥ error'));
    expect(text()).toContain('broken');
    for (const t of ['fine', 'slow', 'chatter']) expect(text()).not.toContain(t);
    await m.press('e');
    await m.waitFor((f) => strip(f).includes('chatter'));
    await m.press('l', 'l', 'l');
    await m.waitFor((f) => strip(f).includes('level ≥ warn'));
    expect(text()).toContain('slow');
    expect(text()).not.toContain('fine');
  });

  it('wraps long lines with W and shows timestamps with t', async () => {
    const long = `start ${'x'.repeat(250)} END`;
    const { m, text } = setup(['api-1'], ([a]) => a!.append(out(long, ts(7, 123_000_000))));
    await m.waitFor((f) => strip(f).includes('start xxx'));
    expect(text()).not.toContain('END');
    await m.press('W');
    await m.waitFor((f) => strip(f).includes('END'));
    expect(text()).toContain('wrap');
    await m.press('t');
    await m.waitFor((f) => strip(f).includes('18:00:07.123 start'));
  });

  it('shows JSON lines as time level event message key=value with J, and traces a request with r', async () => {
    const line = (level: string, event: string, rid: string, msg: string) => JSON.stringify({ time: '2026-11-22T18:44:09Z', level, event, request_id: rid, msg });
    const { m, text } = setup(['api-1'], ([a]) => {
      a!.append(
        out(line('info', 'http.request', 'abc-123', 'GET /api/cart 200'), ts(1)),
        out(line('error', 'stripe.webhook', 'zzz-999', 'signature verification failed'), ts(2)),
        out(line('warn', 'http.request', 'abc-123', 'slow request'), ts(3)),
      );
    });
    await m.waitFor((f) => strip(f).includes('"level":"warn"'));
    await m.press('J');
    await m.waitFor((f) => strip(f).includes('18:44:09 ERROR stripe.webhook signature verification failed request_id=zzz-999'));
    // Select the newest line, then trace its request.
    await m.press('k');
    await m.waitFor((f) => strip(f).includes('‖ paused'));
    await m.press('j');
    await m.press('r');
    await m.waitFor((f) => strip(f).includes('filter: request_id==abc-123'));
    expect(text()).toContain('GET /api/cart 200');
    expect(text()).not.toContain('stripe.webhook');
  });

  it('draws hostile output inert: no escape sequence reaches the terminal but validated colours', async () => {
    const ESC = '\u001b';
    const { m } = setup(['hostile-tty'], ([a]) => {
      a!.append(
        out(`OSC52 ${ESC}]52;c;Y3VybA==\u0007 title ${ESC}]0;pwned\u0007 clear ${ESC}[2J${ESC}[H reset ${ESC}c ${ESC}[31mred${ESC}[0m done`, ts(1)),
        out(`LONG ${'y'.repeat(200_000)}`.slice(0, 16_000), ts(2)),
      );
    });
    await m.waitFor((f) => strip(f).includes('done'));
    const frame = m.frame();
    const sequences = frame.match(/\u001b[^a-zA-Z]*[a-zA-Z]?/g) ?? [];
    for (const s of sequences) expect(s).toMatch(/^\u001b\[[0-9;]*m$/);
    expect(frame).toContain(`${ESC}[31mred`);
    expect(frame).not.toContain(']52');
    // The long line stays one row, cut at the screen's edge.
    const rows = strip(frame).split('\n');
    expect(rows.filter((r) => r.includes('LONG')).length).toBe(1);
    expect(rows.every((r) => r.length <= 100)).toBe(true);
  });

  it('saves the lines shown with w, asking for the path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsdeck-tui-save-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const { m } = setup(['api-1'], ([a]) => a!.append(out('to keep', ts(1)), out('also kept', ts(2))));
    await m.waitFor((f) => strip(f).includes('also kept'));
    await m.press('w');
    await m.waitFor((f) => /save to: opsdeck-logs-api-1-\d{8}-\d{6}\.log/.test(strip(f)));
    const file = path.join(dir, 'saved.log');
    await m.press('\u0015', file, KEY.enter);
    await m.waitFor((f) => strip(f).includes(`saved 2 lines to ${file}`));
    expect(fs.readFileSync(file, 'utf8')).toBe(`${ts(1)} to keep\n${ts(2)} also kept\n`);
  });

  it('says why it cannot show anything, and leaves with q', async () => {
    const api = new FakeLogApi();
    const store = new LogStore({ api, resolve: async () => ({ ok: false, error: "no container or service named 'nope'", hint: 'Services: api, worker' }), connection: null });
    const back = vi.fn();
    const m = mount(<Logs store={store} actions={store} width={100} height={14} color={false} onBack={back} onHelp={() => undefined} />);
    cleanup.push(() => m.unmount());
    await m.waitFor((f) => f.includes("cannot show logs: no container or service named 'nope'"));
    expect(m.frame()).toContain('Services: api, worker');
    await m.press('q');
    expect(back).toHaveBeenCalledTimes(1);
  });
});
