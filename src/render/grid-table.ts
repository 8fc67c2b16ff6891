/**
 * The service grid's text, as pure functions of the grid's snapshot and the screen's view: the
 * Dashboard draws what these return, and the painter (ink/grid-painter.ts) uses the same
 * functions to tell whether a new snapshot changes anything but the table's rows.
 */
import type { GridSnapshot } from '../model/grid-store.js';
import { compileFilter, type GridFilter, type GridLine } from '../model/grid-view.js';
import { fitColumns } from './columns.js';
import { formatAgo } from './duration.js';
import { GRID_COLUMNS, serviceCells } from './service-row.js';
import { headerLine } from './status-table.js';
import type { TableColumn, TableRow } from './table-body.js';

const SPEC = new Map(GRID_COLUMNS.map((c) => [c.id as string, c]));

export interface GridColumns {
  columns: TableColumn[];
  /** The MEM column's width, for its bar. */
  memWidth: number;
}

export function gridColumns(width: number): GridColumns {
  const fitted = fitColumns(GRID_COLUMNS, width);
  const columns = fitted.map((c) => {
    const spec = SPEC.get(c.id)!;
    return { key: c.id, header: spec.header, width: c.width, ...(spec.align ? { align: 'right' as const } : {}) };
  });
  return { columns, memWidth: fitted.find((c) => c.id === 'mem')?.width ?? 0 };
}

export function gridTableRows(lines: readonly GridLine[], o: { color: boolean; now: number; memWidth: number }): TableRow[] {
  return lines.map((l) =>
    l.kind === 'project'
      ? { id: l.key, heading: `${l.name}${l.degraded ? '  ⚠' : ''}`, cells: {} }
      : { id: l.key, cells: serviceCells(l.row, { color: o.color, now: o.now, memWidth: o.memWidth }) },
  );
}

/** The line above the table: the server, or how stale the figures are while disconnected. */
export function gridHeaderText(server: string, grid: GridSnapshot, now: number): string {
  const header = headerLine(server, grid.host, grid.budget);
  return grid.stale ? `STALE (last update ${formatAgo(grid.updatedAt, now)}) · ${header}` : header;
}

/** The line under the table: the filter, and whether every service is fine. */
export function gridStatusText(filter: GridFilter, grid: GridSnapshot): string {
  const filterError = filter.text ? compileFilter(filter).error : undefined;
  return [filter.text ? `filter: /${filter.text}` : '', filter.faultedOnly ? 'faulted only' : '', filterError ?? '', grid.verdict.degraded ? `${grid.verdict.faults.length} faulted` : 'all services ok']
    .filter(Boolean)
    .join(' · ');
}
