import { BoundedCache } from './bounded-cache.js';
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

// A live grid redraws every second or two with most rows unchanged; fitting and painting each
// cell again was a fifth of a frame. The key is the row's whole content, so a hit is exact.
const lines = new BoundedCache<string>(1000);

/** One table row as one string: cells fitted to their columns and painted, joined by a gap. */
export function tableLine(columns: readonly LineColumn[], cells: Readonly<Record<string, LineCell | string>>, styled: boolean): string {
  let key = styled ? '1' : '0';
  for (const c of columns) {
    const raw = cells[c.key] ?? '';
    const cell = typeof raw === 'string' ? { text: raw } : raw;
    key += `\u0000${c.width}${c.align ?? ''}\u0001${cell.text}\u0001${cell.color ?? ''}${cell.dim ? 'd' : ''}${cell.bold ? 'b' : ''}`;
  }
  return lines.get(key, () =>
    columns
      .map((c, k) => {
        const raw = cells[c.key] ?? '';
        const cell: LineCell = typeof raw === 'string' ? { text: raw } : raw;
        return (k > 0 ? GAP : '') + paint(fitCell(cell.text, c.width, c.align), cell, styled);
      })
      .join(''),
  );
}

/** Width of a table with these columns, gaps included. */
export function tableWidth(columns: readonly LineColumn[]): number {
  return columns.reduce((n, c) => n + c.width, 0) + GAP.length * Math.max(0, columns.length - 1);
}
