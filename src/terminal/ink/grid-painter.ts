import type { GridSnapshot } from '../../model/grid-store.js';
import { gridLines, type GridFilter } from '../../model/grid-view.js';
import { gridHeaderText, gridStatusText, gridTableRows } from '../../render/grid-table.js';
import { asFrameLine, plainLine, rewriteLines } from '../../render/line-patch.js';
import { tableBody, tableHeader, type TableColumn } from '../../render/table-body.js';
import { hookFrames } from './frame-hook.js';

/** What the Dashboard drew at its last render, and with which view of the grid. */
export interface DrawnGrid {
  server: string;
  filter: GridFilter;
  /** The selected service's key as drawn (the first service when the selection is gone). */
  selectedKey: string | undefined;
  width: number;
  bodyHeight: number;
  color: boolean;
  columns: readonly TableColumn[];
  memWidth: number;
  header: string;
  status: string;
  /** Every table row's id, in order, joined by newlines. */
  rowIds: string;
}

interface Frame {
  lines: string[];
  /** Built on first use: a frame is often replaced before it is painted. */
  plain: string[] | null;
  /** Ink's writer left the cursor on the line below the frame, at column 0. */
  cursorBelow: boolean;
  /** Where the rows were found in it, and for which drawing: the rows stay put until Ink writes again. */
  found?: { drawn: DrawnGrid; at: number };
}

/**
 * Draws the live grid's changed rows in place. Stats arrive every couple of seconds and usually
 * change only figures in rows already on screen; a React render for that lays out, measures and
 * writes the whole screen (Ink has no partial redraw): most of the live grid's CPU. When a new
 * snapshot changes nothing but the text of rows on screen (same rows, same order, same header
 * and status lines, same selection), the painter writes just those rows, with the same text the
 * Table would draw (tableBody). Anything else is left to React: paint() returns false.
 *
 * What is on the screen is known from the frames Ink writes (./log-update.ts reports them) plus
 * the rows painted since; a frame Ink writes later from an older React tree is brought up to the
 * painted rows before it is written (overlay), so figures never step back.
 */
export class GridPainter {
  readonly #stream: NodeJS.WriteStream;
  readonly #now: () => number;
  #drawn: DrawnGrid | undefined;
  #frame: Frame | null = null;
  /** The visible rows as painted since React last drew the grid (frame lines), or null. */
  #painted: string[] | null = null;
  /** The table's lines #painted was made from. */
  #paintedFrom: readonly string[] | null = null;
  readonly #unhook: () => void;

  constructor(stream: NodeJS.WriteStream, now: () => number = Date.now) {
    this.#stream = stream;
    this.#now = now;
    this.#unhook = hookFrames(stream, { overlay: (f) => this.#overlay(f), written: (f, s) => this.#written(f, s.cursorShown) });
  }

  /** The Dashboard, after each render: what it drew, or undefined when it is not on screen or not in charge. */
  readonly show = (drawn: DrawnGrid | undefined): void => {
    this.#drawn = drawn;
    // React drew from the newest snapshot: nothing painted before is newer.
    this.#painted = null;
  };

  /** Draw `snap` in place; false when it needs a React render (and nothing is painted until the next show()). */
  readonly paint = (snap: GridSnapshot): boolean => {
    const d = this.#drawn;
    if (!d) return false;
    const lines = this.#changedRows(d, snap);
    if (lines === null) return this.#refuse();
    const frame = this.#frame;
    if (!frame || !frame.cursorBelow || this.#stream.columns !== d.width) return this.#refuse();
    const at = frame.found?.drawn === d ? frame.found.at : locateRows(frame, tableHeader(d.columns), lines, keyWidth(d));
    if (at < 0) return this.#refuse();
    if (frame.found?.drawn !== d) frame.found = { drawn: d, at };
    // A row whose text is the one painted last time is already on screen as it should be.
    const last = this.#painted !== null && this.#paintedFrom?.length === lines.length ? this.#paintedFrom : null;
    const painted = lines.map((line, i) => (last !== null && last[i] === line ? this.#painted![i]! : asFrameLine(line)));
    const changes: { index: number; text: string }[] = [];
    painted.forEach((line, i) => {
      if (frame.lines[at + i] === line) return;
      frame.lines[at + i] = line;
      changes.push({ index: at + i, text: lines[i]! });
    });
    // Where the rows are is known now (frame.found); the plain text is worked out again if ever needed.
    if (changes.length) frame.plain = null;
    this.#painted = painted;
    this.#paintedFrom = lines;
    if (changes.length) this.#stream.write(rewriteLines(frame.lines.length - 1, changes));
    return true;
  };

  dispose(): void {
    this.#unhook();
  }

  /** The visible rows' lines for `snap`, or null when more than their text would change. */
  #changedRows(d: DrawnGrid, snap: GridSnapshot): string[] | null {
    if (snap.status !== 'ready' || snap.stale) return null;
    const now = this.#now();
    if (gridHeaderText(d.server, snap, now) !== d.header || gridStatusText(d.filter, snap) !== d.status) return null;
    const lines = gridLines(snap.groups, d.filter);
    const selected = lines.find((l) => l.kind === 'service' && l.key === d.selectedKey) ?? lines.find((l) => l.kind === 'service');
    if (!selected || selected.key !== d.selectedKey) return null;
    if (lines.map((l) => l.key).join('\n') !== d.rowIds) return null;
    const rows = gridTableRows(lines, { color: d.color, now, memWidth: d.memWidth });
    return tableBody(d.columns, rows, d.selectedKey, d.bodyHeight, d.color).lines.map((l) => l.text);
  }

  #refuse(): false {
    this.#drawn = undefined;
    this.#painted = null;
    return false;
  }

  #overlay(frame: string): string {
    const d = this.#drawn;
    const painted = this.#painted;
    if (!d || !painted) return frame;
    const f: Frame = { lines: frame.split('\n'), plain: null, cursorBelow: false };
    const at = locateRows(f, tableHeader(d.columns), painted, keyWidth(d));
    if (at < 0) return frame;
    f.lines.splice(at, painted.length, ...painted);
    return f.lines.join('\n');
  }

  #written(frame: string, cursorShown: boolean): void {
    // Ink's writer ends a frame shorter than the terminal with a newline, leaving the cursor
    // below it; a full-height frame has none (and is cleared and rewritten whole every time).
    this.#frame = frame === '' ? null : { lines: frame.split('\n'), plain: null, cursorBelow: frame.endsWith('\n') && !cursorShown };
  }
}

/** Width of the cells that name a row (the SERVICE column): rows are matched on screen by it. */
function keyWidth(d: DrawnGrid): number {
  return d.columns[0]?.width ?? 0;
}

function rowKey(line: string, width: number): string {
  return plainLine(line).slice(0, width);
}

/**
 * Where the first of `rows` is in the frame: just under the table's header, each line naming
 * the same row. -1 when the frame does not hold them so.
 */
function locateRows(frame: Frame, header: string, rows: readonly string[], width: number): number {
  frame.plain ??= frame.lines.map(plainLine);
  const at = frame.plain.indexOf(plainLine(header)) + 1;
  if (at === 0 || at + rows.length > frame.lines.length - 1) return -1;
  for (let i = 0; i < rows.length; i++) if (frame.plain[at + i]!.slice(0, width) !== rowKey(rows[i]!, width)) return -1;
  return at;
}
