import { fitCell } from './columns.js';
import { paint } from './sgr.js';

export interface LineColumn {
  key: string;
  width: number;
  align?: 'left' | 'right';
}

export interface LineCell {
  text: string;
  color?: string;
  dim?: boolean;
  bold?: boolean;
}

const GAP = ' ';

/**
 * What one row's line was made of last time, so that the next line for the same row fits and
 * paints only the cells that changed. A live grid redraws every couple of seconds with most cells
 * as they were (names, states, images) and only the figures moving; fitting and painting every
 * cell again was a fifth of a redraw.
 */
export interface LineMemo {
  columns: LineColumn[];
  styled: boolean;
  cells: LineCell[];
  fitted: string[];
  /** The last line itself: handed back as the same string when no cell changed, so callers compare it at once. */
  line: string | undefined;
}

export function newLineMemo(): LineMemo {
  return { columns: [], styled: false, cells: [], fitted: [], line: undefined };
}

/** One table row as one string: cells fitted to their columns and painted, joined by a gap. */
export function tableLine(columns: readonly LineColumn[], cells: Readonly<Record<string, LineCell | string>>, styled: boolean, memo: LineMemo = newLineMemo()): string {
  if (memo.styled !== styled || !sameColumns(memo.columns, columns)) {
    memo.columns = columns.map((c) => ({ key: c.key, width: c.width, ...(c.align ? { align: c.align } : {}) }));
    memo.styled = styled;
    memo.cells = [];
    memo.fitted = [];
    memo.line = undefined;
  }
  let changed = memo.line === undefined;
  for (let k = 0; k < columns.length; k++) {
    const c = columns[k]!;
    const raw = cells[c.key] ?? '';
    const cell: LineCell = typeof raw === 'string' ? { text: raw } : raw;
    const before = memo.cells[k];
    if (before === undefined || !sameCell(before, cell)) {
      memo.cells[k] = { text: cell.text, color: cell.color, dim: cell.dim, bold: cell.bold };
      memo.fitted[k] = paint(fitCell(cell.text, c.width, c.align), cell, styled);
      changed = true;
    }
  }
  if (changed) memo.line = memo.fitted.join(GAP);
  return memo.line!;
}

function sameColumns(a: readonly LineColumn[], b: readonly LineColumn[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.key !== b[i]!.key || a[i]!.width !== b[i]!.width || a[i]!.align !== b[i]!.align) return false;
  return true;
}

function sameCell(a: LineCell, b: LineCell): boolean {
  return a.text === b.text && a.color === b.color && !a.dim === !b.dim && !a.bold === !b.bold;
}

/** Width of a table with these columns, gaps included. */
export function tableWidth(columns: readonly LineColumn[]): number {
  return columns.reduce((n, c) => n + c.width, 0) + GAP.length * Math.max(0, columns.length - 1);
}
