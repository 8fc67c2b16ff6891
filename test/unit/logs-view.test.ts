import { describe, expect, it } from 'vitest';
import { clipAnsi, rowText, type RowOptions } from '../../components/log-row-text.js';
import { findMatch, initialLogViewState, layoutLogView, reduceLogView, type LogViewState, type ViewContext } from '../../components/log-view-state.js';
import { noticeLine, toLogLine, type LogLine } from '../../src/logs/log-line.js';
import type { LineWindow } from '../../src/logs/log-store.js';

const TS = '2026-11-22T18:33:04.094000000Z';
function line(text: string, seq: number, stream: 'stdout' | 'stderr' = 'stdout'): LogLine {
  const l = toLogLine({ stream, ts: TS, text, bytes: text.length, cut: false }, 0);
  l.seq = seq;
  return l;
}

/** A window over lines with seqs 10, 12, 14, … (a filter let every other one through). */
function windowOf(n: number): LineWindow & { lines: LogLine[] } {
  const lines = Array.from({ length: n }, (_, i) => line(`line ${i}`, 10 + i * 2));
  return {
    lines,
    count: n,
    at: (i) => lines[i],
    indexOfSeq: (seq) => {
      const i = lines.findIndex((l) => l.seq >= seq);
      return i < 0 ? n : i;
    },
  };
}

const ctxOf = (lines: LineWindow, height = 5): ViewContext => ({ lines, height, width: 40, prefixWidth: 1 });
const shown = (s: LogViewState, ctx: ViewContext) => layoutLogView(s, ctx).items.map((it) => it.line.plain);

describe('the log view reducer', () => {
  it('follows the newest lines, and space pauses on the picture as it is', () => {
    const w = windowOf(20);
    const ctx = ctxOf(w);
    expect(shown(initialLogViewState, ctx)).toEqual(['line 15', 'line 16', 'line 17', 'line 18', 'line 19']);
    const paused = reduceLogView(initialLogViewState, { type: 'togglePause' }, ctx);
    expect(paused).toMatchObject({ follow: false, cursor: w.lines[19]!.seq, top: w.lines[15]!.seq });
    // New lines arrive: the paused picture does not move and counts them.
    const more = windowOf(25);
    const lay = layoutLogView(paused, ctxOf(more));
    expect(lay.items.map((i) => i.line.plain)).toEqual(['line 15', 'line 16', 'line 17', 'line 18', 'line 19']);
    expect(lay.below).toBe(5);
    expect(reduceLogView(paused, { type: 'togglePause' }, ctx).follow).toBe(true);
  });

  it('moves the selection, scrolling to keep it on screen; pages move the picture', () => {
    const w = windowOf(20);
    const ctx = ctxOf(w);
    let s = reduceLogView(initialLogViewState, { type: 'move', delta: -1 }, ctx);
    expect(s.follow).toBe(false);
    expect(s.cursor).toBe(w.lines[18]!.seq);
    for (let i = 0; i < 5; i++) s = reduceLogView(s, { type: 'move', delta: -1 }, ctx);
    expect(s.cursor).toBe(w.lines[13]!.seq);
    expect(shown(s, ctx)[0]).toBe('line 13');
    s = reduceLogView(s, { type: 'page', delta: -1 }, ctx);
    expect(shown(s, ctx)[0]).toBe('line 9');
    s = reduceLogView(s, { type: 'oldest' }, ctx);
    expect(shown(s, ctx)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    s = reduceLogView(s, { type: 'page', delta: 10 }, ctx);
    expect(shown(s, ctx)).toEqual(['line 15', 'line 16', 'line 17', 'line 18', 'line 19']);
    expect(reduceLogView(s, { type: 'follow' }, ctx).follow).toBe(true);
  });

  it('selects a search match, centring it when it was off screen', () => {
    const w = windowOf(50);
    const ctx = ctxOf(w);
    const seq = findMatch(w, w.count, -1, /line 7$/, false);
    expect(seq).toBe(w.lines[7]!.seq);
    const s = reduceLogView(initialLogViewState, { type: 'select', seq: seq! }, ctx);
    expect(shown(s, ctx)).toContain('line 7');
    expect(shown(s, ctx)[0]).toBe('line 5');
    expect(findMatch(w, 7, -1, /nothing/, false)).toBeNull();
    // n from the oldest match wraps around to the newest.
    expect(findMatch(w, 0, -1, /line 4\d/, false)).toBe(w.lines[49]!.seq);
  });

  it('keeps its place when the filter or the buffer shifts indexes (positions are seqs)', () => {
    const w = windowOf(30);
    const s = reduceLogView(reduceLogView(initialLogViewState, { type: 'oldest' }, ctxOf(w)), { type: 'move', delta: 10 }, ctxOf(w));
    const dropped: LineWindow = { count: 20, at: (i) => w.lines[i + 10], indexOfSeq: (seq) => Math.max(0, w.indexOfSeq(seq) - 10) };
    expect(layoutLogView(s, ctxOf(dropped)).items[0]!.line.plain).toBe('line 10');
  });
});

describe('a row of the log view', () => {
  const base: RowOptions = { tag: null, tagColour: undefined, timestamps: false, structured: false, colours: true, color: true, selected: false, search: null, wrap: false, width: 20 };

  it('cuts ASCII text at the edge and stays ASCII (so it is measured by length)', () => {
    expect(rowText(line('x'.repeat(100), 1), base)).toBe(` ${'x'.repeat(19)}`);
    expect(rowText(line('y'.repeat(100), 1), { ...base, wrap: true })).toBe(` ${'y'.repeat(100)}`);
  });

  it('marks stderr and notices, tags and times', () => {
    const plain = { ...base, color: false, width: 60 };
    expect(rowText(line('oops', 1, 'stderr'), plain)).toBe('!oops');
    expect(rowText(noticeLine('reconnected'), plain)).toBe('*reconnected');
    expect(rowText(line('hello', 1), { ...plain, tag: 'api-1 ', timestamps: true })).toBe(' api-1  18:33:04.094 hello');
    expect(rowText(line('oops', 1, 'stderr'), { ...base, width: 60 })).toBe('\u001b[31m!\u001b[39moops');
  });

  it('never cuts a colour sequence in half and resets colours after the container’s own', () => {
    const text = `\u001b[31m${'r'.repeat(30)}\u001b[0m`;
    const row = rowText(line(text, 1), base);
    expect(row.endsWith('\u001b[0m')).toBe(true);
    expect(row).not.toMatch(/\u001b\[[0-9;]*$/);
    expect(clipAnsi('ab\u001b[31mcd', 4)).toBe('ab\u001b[0m');
    expect(clipAnsi('ab\u001b[31mcd', 7)).toBe('ab\u001b[31m\u001b[0m');
  });

  it('shows the selected line in inverse video without the container’s colours', () => {
    const row = rowText(line('\u001b[32mgreen\u001b[0m', 1), { ...base, selected: true });
    expect(row).toBe('\u001b[7m green\u001b[27m');
  });

  it('highlights search matches', () => {
    expect(rowText(line('a timeout here', 1), { ...base, search: /timeout/, color: false, width: 60 })).toBe(' a \u001b[7mtimeout\u001b[27m here');
  });

  it('draws JSON lines in the structured form, level coloured', () => {
    const l = line('{"time":"2026-11-22T18:44:09Z","level":"error","event":"db.query","msg":"timeout","request_id":"r1"}', 1);
    expect(rowText(l, { ...base, structured: true, color: false, width: 200 })).toBe(' 18:44:09 ERROR db.query timeout request_id=r1');
    expect(rowText(l, { ...base, structured: true, width: 200 })).toContain('\u001b[31mERROR \u001b[39m');
  });
});
