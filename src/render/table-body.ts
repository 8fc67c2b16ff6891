import { fitCell } from './columns.js';
import { paint } from './sgr.js';
import { BoundedCache } from './bounded-cache.js';
import { newLineMemo, tableLine, tableWidth, type LineCell, type LineColumn, type LineMemo } from './table-line.js';

export interface TableColumn extends LineColumn {
  header: string;
}

export interface TableRow {
  id: string;
  cells: Readonly<Record<string, LineCell | string>>;
  /** Section rows (a Compose project heading) span the whole width. */
  heading?: string;
}

export interface TableBody {
  /** Index in `rows` of the first visible row. */
  start: number;
  /** The visible rows, each one terminal line as drawn: fitted, with its SGR styling. */
  lines: readonly { id: string; text: string }[];
  /** "11-50 of 60" when the rows do not all fit, else null. */
  position: string | null;
}

/**
 * The table's visible rows as the strings that reach the terminal, selection and headings
 * styled in the string itself (not by Ink): the Table component draws exactly these, and the
 * live grid's painter (ink/grid-painter.ts) rewrites changed ones in place with the same text.
 */
export function tableBody(columns: readonly TableColumn[], rows: readonly TableRow[], selectedId: string | undefined, height: number, color: boolean): TableBody {
  const selectedIndex = Math.max(0, rows.findIndex((r) => r.id === selectedId));
  const start = windowStart(selectedIndex, rows.length, height);
  const lines = rows.slice(start, start + height).map((row) => {
    const selected = row.id === selectedId;
    const text =
      row.heading !== undefined
        ? paint(fitCell(row.heading, tableWidth(columns)), { bold: true, color: color ? 'cyan' : undefined, inverse: selected }, true)
        : selected
          ? paint(tableLine(columns, row.cells, false, memoFor(row.id, false)), { inverse: true }, true)
          : tableLine(columns, row.cells, color, memoFor(row.id, color));
    return { id: row.id, text };
  });
  const position = rows.length > height ? `${start + 1}-${Math.min(rows.length, start + height)} of ${rows.length}` : null;
  return { start, lines, position };
}

// Rows keep their ids from one redraw to the next: each remembers its last line's cells.
const memos = new BoundedCache<LineMemo>(2000);

function memoFor(id: string, styled: boolean): LineMemo {
  return memos.get(`${styled ? 's' : 'p'}${id}`, newLineMemo);
}

/** The header row: column titles, fitted like the cells under them. */
export function tableHeader(columns: readonly TableColumn[]): string {
  return columns.map((c) => fitCell(c.header, c.width, c.align)).join(' ');
}

/** First visible row so that `selected` stays on screen, centred when possible. */
export function windowStart(selected: number, total: number, height: number): number {
  if (total <= height) return 0;
  const half = Math.floor(height / 2);
  return Math.min(Math.max(0, selected - half), total - height);
}
