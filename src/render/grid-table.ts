/**
 * The service grid's text, as pure functions of the grid's snapshot and the screen's view: the
 * Dashboard draws what these return, and the painter (ink/grid-painter.ts) uses the same
 * functions to tell whether a new snapshot changes anything but the table's rows.
 */
import type { GridSnapshot } from '../model/grid-store.js';
import { compileFilter, type GridFilter, type GridLine } from '../model/grid-view.js';
import { fitColumns } from './columns.js';
import { formatAgo, formatDuration } from './duration.js';
import { formatBytes } from './bytes.js';
import { formatPercent } from './percent.js';
import type { HostFacts } from '../docker/host-facts.js';
import type { MemoryBudget } from '../model/stats-math.js';
import { GRID_COLUMNS, serviceCells } from './service-row.js';
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

/** The server in one line: engine, uptime, load, memory limits against the host's, disk. */
export function headerLine(server: string, host: HostFacts | null, budget: MemoryBudget | null): string {
  if (!host) return server;
  const parts = [server, `Engine ${host.engineVersion}`];
  if (host.uptimeSec !== null) parts.push(`up ${formatDuration(host.uptimeSec * 1000)}`);
  if (host.load) parts.push(`load ${host.load.map((n) => n.toFixed(2)).join(' ')}`);
  if (budget) {
    let mem = `mem limits ${formatBytes(budget.limitsTotal)} of ${formatBytes(budget.hostTotal)}`;
    if (budget.unlimited > 0) mem += ` (+${budget.unlimited} unlimited)`;
    if (budget.overcommitted) mem += ' OVERCOMMITTED';
    parts.push(mem);
  }
  if (host.disk) parts.push(`disk ${formatPercent(host.disk.percent)} of ${formatBytes(host.disk.totalBytes)}`);
  return parts.join(' · ');
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
