import { EventEmitter } from 'node:events';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import xterm from '@xterm/headless';
import type { AppSession, AppSessionSnapshot, GridPainting } from '../../screens/App.js';
import type { GridSnapshot } from '../../src/model/grid-store.js';
import { ConnectionStore } from '../../src/transport/connection-store.js';
import { PromptStore } from '../../src/model/prompt-store.js';
import { GridPainter } from '../../src/terminal/ink/grid-painter.js';
import { view } from '../unit/fixtures/load.js';
import { gridSnapshot, NOW } from './grid-fixture.js';

// Ink draws nothing until it exits when it believes it runs in CI; this test needs its real
// terminal output (log-update, throttling and all), so Ink (and all that imports it) is loaded
// after saying otherwise.
process.env.CI = '0';
const { render } = await import('ink');
const { App } = await import('../../screens/App.js');
const { valueStore, KEY } = await import('./harness.js');

const COLS = 132;
const ROWS = 40;

/** What a terminal shows: every cell's character and attributes, line by line. */
function screenOf(term: xterm.Terminal): string[] {
  const out: string[] = [];
  const buf = term.buffer.active;
  const cell = buf.getNullCell();
  for (let y = 0; y < term.rows; y++) {
    const line = buf.getLine(buf.viewportY + y);
    let s = '';
    for (let x = 0; x < term.cols; x++) {
      line?.getCell(x, cell);
      s += `${cell.getChars() || ' '}${cell.getFgColor()}.${cell.getBgColor()}.${cell.isBold()}${cell.isDim()}${cell.isInverse()}|`;
    }
    out.push(s);
  }
  return out;
}

function textOf(term: xterm.Terminal): string {
  const buf = term.buffer.active;
  return Array.from({ length: term.rows }, (_, y) => buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '').join('\n');
}

/** The screen line of a service's row. */
function rowOf(term: xterm.Terminal, service: string): string {
  return textOf(term).split('\n').find((l) => l.startsWith(`  ${service} `)) ?? '';
}

/** A terminal as Ink sees it: a TTY of fixed size whose output goes to a real emulator. */
function terminal() {
  const term = new xterm.Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true, convertEol: true });
  const writes: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    isTTY: true,
    columns: COLS,
    rows: ROWS,
    write(data: string) {
      writes.push(data);
      term.write(data);
      return true;
    },
  });
  const emitter = new EventEmitter();
  const stdin = Object.assign(emitter, {
    isTTY: true,
    data: null as string | null,
    setEncoding() {},
    setRawMode() {},
    resume() {},
    pause() {},
    ref() {},
    unref() {},
    read() {
      const d = this.data;
      this.data = null;
      return d;
    },
    press(data: string) {
      this.data = data;
      emitter.emit('readable');
    },
  });
  return { term, stdout, stdin, writes, flushed: () => new Promise<void>((r) => term.write('', r)) };
}

const mounted: { unmount(): void }[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
});

/**
 * Two copies of the app on the same session: one with the painter, one without (every change a
 * React render, the reference). After every step both terminals must show the same cells.
 */
function twoApps() {
  const connection = new ConnectionStore('deploy@web-1');
  connection.connected('streamlocal');
  const grid = valueStore<GridSnapshot>(gridSnapshot());
  const store = valueStore<AppSessionSnapshot>({ phase: 'ready', label: 'deploy@web-1', connection, grid });
  const session: AppSession = {
    ...store,
    prompts: new PromptStore(),
    readonly: true,
    retry: () => undefined,
    act: async () => ({ ok: true, message: 'done' }),
    recreateCommand: () => '',
  };
  const painted = terminal();
  const reference = terminal();
  const gridPainter = new GridPainter(painted.stdout as unknown as NodeJS.WriteStream, () => NOW);
  const results: boolean[] = [];
  const painter: GridPainting = {
    show: gridPainter.show,
    paint: (snap) => {
      const ok = gridPainter.paint(snap);
      results.push(ok);
      return ok;
    },
  };
  const opts = (t: ReturnType<typeof terminal>) => ({ stdout: t.stdout as never, stdin: t.stdin as never, debug: false, patchConsole: false, exitOnCtrlC: false });
  mounted.push(render(<App session={session} color now={() => NOW} painter={painter} />, opts(painted)));
  mounted.push(render(<App session={session} color now={() => NOW} />, opts(reference)));
  mounted.push({ unmount: () => gridPainter.dispose() });
  return {
    grid,
    connection,
    painted,
    reference,
    results,
    async press(key: string) {
      painted.stdin.press(key);
      reference.stdin.press(key);
      await settle();
    },
    async same() {
      await settle();
      expect(textOf(painted.term)).toBe(textOf(reference.term));
      expect(screenOf(painted.term)).toEqual(screenOf(reference.term));
    },
  };
  async function settle() {
    // Past Ink's render throttle (about 32 ms), then until both emulators have parsed it all.
    await new Promise((r) => setTimeout(r, 120));
    await painted.flushed();
    await reference.flushed();
  }
}

describe('the grid painter', () => {
  it('draws changed figures in place, cell for cell what a React render draws', async () => {
    const t = twoApps();
    await t.same();
    for (const [cpu, mem] of [
      [37.5, 220],
      [88.1, 3500],
      [0.4, 90],
    ] as const) {
      const before = t.painted.writes.length;
      const shown = rowOf(t.painted.term, 'api');
      t.grid.set(gridSnapshot([], { cpuPercent: cpu, memUsedMiB: mem }));
      await t.same();
      expect(t.results.at(-1)).toBe(true);
      // In place: a few rows rewritten, not the screen erased and drawn again.
      const written = t.painted.writes.slice(before).join('');
      expect(written).not.toContain('\u001b[2K');
      expect(written.length).toBeGreaterThan(0);
      expect(rowOf(t.painted.term, 'api')).not.toBe(shown);
    }
  });

  it('after the terminal narrows, shows the new frame from the top, not wrapped halves of the old one', async () => {
    const t = twoApps();
    await t.same();
    const before = textOf(t.painted.term).split('\n');
    for (const side of [t.painted, t.reference]) {
      side.stdout.columns = 100;
      side.term.resize(100, ROWS);
      side.stdout.emit('resize');
    }
    await t.same();
    const after = textOf(t.painted.term).split('\n');
    // The emulator re-wraps the old frame's lines, as tmux and xterm do; none of that may stay.
    expect(after[0]).toMatch(/^opsdeck · deploy@web-1 /);
    expect(before[0]).toMatch(/^opsdeck · deploy@web-1 /);
    expect(after.filter((l) => l.startsWith('SERVICE'))).toHaveLength(1);
    const rows = after.filter((l) => /^[ !] [a-z]/.test(l));
    expect(rows.length).toBeGreaterThan(2);
    expect(new Set(rows.map((l) => l.slice(0, 24))).size).toBe(rows.length);
    expect(after.filter((l) => l.startsWith('  api '))).toHaveLength(1);
    expect(Math.max(...after.map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('keeps painted figures when React redraws the screen for something else', async () => {
    const t = twoApps();
    await t.same();
    const first = rowOf(t.painted.term, 'api');
    t.grid.set(gridSnapshot([], { cpuPercent: 61.5 }));
    await t.same();
    expect(t.results.at(-1)).toBe(true);
    const painted = rowOf(t.painted.term, 'api');
    expect(painted).not.toBe(first);
    // Only the connection bar re-renders: Ink writes the whole frame from a tree whose grid rows
    // still hold the old figures.
    t.connection.connected('dial-stdio');
    await t.same();
    expect(textOf(t.painted.term)).toContain('connected (dial-stdio)');
    expect(rowOf(t.painted.term, 'api')).toBe(painted);
    t.grid.set(gridSnapshot([], { cpuPercent: 5.5 }));
    await t.same();
    expect(t.results.at(-1)).toBe(true);
  });

  it('leaves to React what is more than figures: new rows, the selection, a filter', async () => {
    const t = twoApps();
    await t.same();
    t.grid.set(gridSnapshot([view('inspect-api-run.json')], { cpuPercent: 20 }));
    await t.same();
    expect(t.results.at(-1)).toBe(false);
    t.grid.set(gridSnapshot([view('inspect-api-run.json')], { cpuPercent: 30 }));
    await t.same();
    expect(t.results.at(-1)).toBe(true);
    await t.press(KEY.down);
    await t.same();
    t.grid.set(gridSnapshot([view('inspect-api-run.json')], { cpuPercent: 40 }));
    await t.same();
    expect(t.results.at(-1)).toBe(true);
    // While the filter is being typed the grid is React's alone.
    await t.press('/');
    await t.press('a');
    t.grid.set(gridSnapshot([view('inspect-api-run.json')], { cpuPercent: 50 }));
    await t.same();
    expect(t.results.at(-1)).toBe(false);
    await t.press(KEY.enter);
    t.grid.set(gridSnapshot([view('inspect-api-run.json')], { cpuPercent: 60 }));
    await t.same();
    expect(t.results.at(-1)).toBe(true);
  });
});
