import type { GridSnapshot } from '../model/grid-store.js';
import { fitCell, fitColumns } from './columns.js';
import { GRID_COLUMNS, serviceCells, type Cell, type GridColumnId } from './service-row.js';
import { formatBytes } from './bytes.js';
import { formatDuration } from './duration.js';
import { formatPercent } from './percent.js';
import type { HostFacts } from '../docker/host-facts.js';
import type { MemoryBudget } from '../model/stats-math.js';
import { paint as paintText } from './sgr.js';

/** `opsdeck status` as text: the header line, then each project's services, as the grid shows them. */
export function renderStatusTable(server: string, snap: GridSnapshot, opts: { width: number; color: boolean; now: number }): string {
  const cols = fitColumns(GRID_COLUMNS, opts.width);
  const spec = new Map(GRID_COLUMNS.map((c) => [c.id, c]));
  const memWidth = cols.find((c) => c.id === 'mem')?.width ?? 0;
  const paint = (cell: Cell, text: string) => paintText(text, cell, opts.color);
  const lines: string[] = [headerLine(server, snap.host, snap.budget)];
  lines.push(cols.map((c) => fitCell(spec.get(c.id as GridColumnId)!.header, c.width, spec.get(c.id as GridColumnId)!.align)).join(' ').trimEnd());
  for (const g of snap.groups) {
    lines.push(paint({ text: '', bold: true }, g.kind === 'other' ? '(no compose project)' : `${g.name}`));
    for (const s of [...g.services, ...g.oneoffs]) {
      const cells = serviceCells(s, { color: opts.color, now: opts.now, memWidth });
      lines.push(cols.map((c) => {
        const cell = cells[c.id as GridColumnId];
        return paint(cell, fitCell(cell.text, c.width, spec.get(c.id as GridColumnId)!.align));
      }).join(' ').trimEnd());
      for (const w of s.portWarnings) lines.push(paint({ text: '', color: 'red' }, `    ⚠ ${w.message}`));
    }
  }
  const v = snap.verdict;
  lines.push(v.degraded ? `DEGRADED: ${v.faults.map((f) => `${f.project ? f.project + '/' : ''}${f.service} (${f.reasons.join(', ')})`).join('; ')}` : 'OK: every service is up and healthy');
  return lines.join('\n') + '\n';
}

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
