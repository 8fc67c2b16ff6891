import type { GridSnapshot } from '../model/grid-store.js';
import { gridColumns, headerLine } from './grid-table.js';
import { serviceCells } from './service-row.js';
import { tableHeader } from './table-body.js';
import { tableLine } from './table-line.js';
import { paint } from './sgr.js';

/** `opsdeck status` as text: the header line, then each project's services, as the grid shows them. */
export function renderStatusTable(server: string, snap: GridSnapshot, opts: { width: number; color: boolean; now: number }): string {
  const { columns, memWidth } = gridColumns(opts.width);
  const lines: string[] = [headerLine(server, snap.host, snap.budget), tableHeader(columns).trimEnd()];
  for (const g of snap.groups) {
    lines.push(paint(g.kind === 'other' ? '(no compose project)' : `${g.name}`, { bold: true }, opts.color));
    for (const s of [...g.services, ...g.oneoffs]) {
      lines.push(tableLine(columns, serviceCells(s, { color: opts.color, now: opts.now, memWidth }), opts.color).trimEnd());
      for (const w of s.portWarnings) lines.push(paint(`    ⚠ ${w.message}`, { color: 'red' }, opts.color));
    }
  }
  const v = snap.verdict;
  lines.push(v.degraded ? `DEGRADED: ${v.faults.map((f) => `${f.project ? f.project + '/' : ''}${f.service} (${f.reasons.join(', ')})`).join('; ')}` : 'OK: every service is up and healthy');
  return lines.join('\n') + '\n';
}
